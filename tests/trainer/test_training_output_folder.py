"""``thigh_train`` refuses an unusable ``--results`` folder in one line, before reading the planned dataset.

The planned dataset here is a ``plans.json`` that is not a plan: had the command
read it before checking the output, it would stop with a plans error instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from thigh_trainer.cli import main

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
FAST = ["--epochs", "1", "--iterations", "1", "--workers", "0", "--device", "cpu"]


@pytest.fixture
def preprocessed(tmp_path: Path) -> Path:
    root = tmp_path / "preprocessed"
    (root / "Fake").mkdir(parents=True)
    (root / "Fake" / "plans.json").write_text("{}")
    return root


def train(caplog: pytest.LogCaptureFixture, preprocessed: Path, results: Path) -> tuple[int, str]:
    caplog.clear()
    code = main(["2d", "0", "--preprocessed", str(preprocessed), "--results", str(results), *FAST])
    return code, caplog.text


def test_results_folder_that_is_a_file(preprocessed: Path, tmp_path: Path, caplog) -> None:
    results = tmp_path / "results"
    results.write_text("not a folder")
    code, log = train(caplog, preprocessed, results)
    assert code == 2
    assert (
        f"{results / 'Fake' / '2d' / 'fold_0'}: the output folder cannot be created because {results} is an "
        "existing file, not a folder; choose another output folder with --results (or THIGH_RESULTS)"
    ) in log
    assert results.read_text() == "not a folder"


def test_fold_folder_that_is_a_file(preprocessed: Path, tmp_path: Path, caplog) -> None:
    fold = tmp_path / "results" / "Fake" / "2d" / "fold_0"
    fold.parent.mkdir(parents=True)
    fold.write_text("")
    code, log = train(caplog, preprocessed, tmp_path / "results")
    assert code == 2
    assert f"{fold}: the output folder is an existing file, not a folder" in log


def test_a_usable_folder_goes_on_to_the_plans(preprocessed: Path, tmp_path: Path, caplog) -> None:
    code, log = train(caplog, preprocessed, tmp_path / "results")
    assert code == 2
    assert "the output folder" not in log and "plans.json is not valid plans" in log
    assert not (tmp_path / "results").exists()


@pytest.mark.skipif(AS_ROOT, reason="root may write into a folder of mode 555")
def test_results_folder_that_cannot_be_written(preprocessed: Path, tmp_path: Path, caplog) -> None:
    results = tmp_path / "results"
    results.mkdir()
    results.chmod(0o555)
    try:
        code, log = train(caplog, preprocessed, results)
    finally:
        results.chmod(0o755)
    assert code == 2
    assert f"the output folder cannot be created because {results} cannot be written" in log
