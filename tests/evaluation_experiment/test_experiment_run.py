"""``thigh_experiment`` end to end at a tiny budget (slow tier: trains three configurations)."""

import json
import subprocess
import sys

import pytest
from support.phantom_datasets import synthesise


@pytest.mark.slow
def test_experiment_trains_predicts_evaluates_and_compares(tmp_path):
    raw = synthesise(tmp_path / "raw" / "Tiny", "-n", "4", "--size", "tiny")
    out = tmp_path / "experiment"
    done = subprocess.run(
        [sys.executable, "-m", "thigh_evaluation.experiment.cli", str(raw), "-o", str(out), "--train", "3",
         "--test", "1", "--minutes", "0.2", "--epochs", "1", "--iterations", "2", "--batch-size", "2",
         "--preset", "paper", "--workers", "1"],
        capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads((out / "experiment.json").read_text())
    assert len(record["split"]["train"]) == 3 and len(record["split"]["test"]) == 1
    assert set(record["results"]) == {"2d", "2d5", "3d"}
    for values in record["results"].values():
        assert values["legs"] == 2 and 0 <= values["dice_mean"] <= 1
    for name in ("comparison.png", "comparison.md", "ttests.csv"):
        assert (out / "comparison" / name).stat().st_size > 0
    assert "| 2d5 | 2 |" in (out / "README.md").read_text()
    assert len(list((out / "logs").glob("*.log"))) == 11
