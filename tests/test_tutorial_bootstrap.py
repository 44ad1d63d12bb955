"""documentation/tutorial_bootstrap.md, run as written: every bash block in order, with tiny phantoms and budgets."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import SimpleITK as sitk

TUTORIAL = Path(__file__).resolve().parents[1] / "documentation" / "tutorial_bootstrap.md"
BUDGETS = re.compile(r"^SIZE=\S+ EPOCHS=\S+ FINE_TUNE_EPOCHS=\S+ ITERATIONS=\S+ WORKERS=\S+$", re.MULTILINE)
TINY = "SIZE=tiny EPOCHS=1 FINE_TUNE_EPOCHS=1 ITERATIONS=2 WORKERS=1"


def tutorial_script() -> str:
    """The tutorial's bash blocks joined in order, with the tiny budgets in place of the page's."""
    blocks = re.findall(r"```bash\n(.*?)```", TUTORIAL.read_text(encoding="utf-8"), flags=re.DOTALL)
    script = "\n".join(blocks)
    assert len(BUDGETS.findall(script)) == 1, "the tutorial's budget line changed; update this test"
    return "set -euo pipefail\n" + BUDGETS.sub(TINY, script)


def test_the_tutorial_runs_as_written(tmp_path):
    environment = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(
        ["bash", "-c", tutorial_script()],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    boot = tmp_path / "boot"
    assert json.loads((boot / "raw" / "Boot" / "dataset.json").read_text())["numTraining"] == 6
    record = json.loads(
        (boot / "results_v2" / "Boot" / "2d5" / "fold_all" / "axial" / "training.json").read_text()
    )
    assert record["pretrained"]["model"].endswith("boot/results/Boot/2d5")
    for version in ("v1", "v2"):
        assert json.loads((boot / f"eval_{version}" / "summary.json").read_text())["num_legs"] == 4
    assert (boot / "comparison").is_dir()
    for case in sorted(p.name for p in (boot / "test_v2").glob("*.nii.gz")):
        installed = sitk.GetArrayFromImage(sitk.ReadImage(str(boot / "test_installed" / case)))
        original = sitk.GetArrayFromImage(sitk.ReadImage(str(boot / "test_v2" / case)))
        np.testing.assert_array_equal(installed, original)
