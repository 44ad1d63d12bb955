"""``thigh_report`` as installed: a report through the console script, and a fast ``--help``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "thigh_report"


def test_the_installed_command_writes_the_report(make_inputs, tmp_path):
    inputs = make_inputs()
    report = tmp_path / "report"
    result = subprocess.run(
        [str(SCRIPT), "--predictions", str(inputs.predictions), "--evaluation", str(inputs.evaluation),
         "--model", str(inputs.model_fold), "-o", str(report), "--title", "Demo report"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"wrote the report {report / 'index.html'}" in result.stdout
    assert (report / "index.md").read_text().startswith("# Demo report\n")
    assert (report / "boxplot.png").is_file() and (report / "training_curve.png").is_file()


def test_the_installed_command_exits_2_on_a_missing_folder(tmp_path):
    result = subprocess.run(
        [str(SCRIPT), "--predictions", str(tmp_path / "nowhere"), "--evaluation", str(tmp_path),
         "--model", str(tmp_path), "-o", str(tmp_path / "report")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "predictions folder" in result.stderr and "nowhere not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_imports_neither_pandas_nor_matplotlib():
    code = (
        "import sys; from thigh_evaluation.report.cli import build_parser; import thigh_evaluation.report; "
        "build_parser().format_help(); print(sorted({'pandas', 'matplotlib'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
