"""``thigh_plan`` refuses an unusable ``--preprocessed`` folder in one line, before validating the dataset.

The raw dataset here is an empty folder: had the command validated it before
checking the output, it would stop with the validation's listing instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from thigh_planner.cli import main

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw" / "Empty"
    folder.mkdir(parents=True)
    return folder


def plan(caplog: pytest.LogCaptureFixture, *arguments: str) -> tuple[int, str]:
    caplog.clear()
    code = main([*arguments, "--workers", "1"])
    return code, caplog.text


def test_preprocessed_root_that_is_a_file(raw: Path, tmp_path: Path, caplog) -> None:
    root = tmp_path / "preprocessed.txt"
    root.write_text("not a folder")
    code, log = plan(caplog, str(raw), "--preprocessed", str(root))
    assert code == 2
    assert (
        f"{root / 'Empty'}: the output folder cannot be created because {root} is an existing file, not a "
        "folder; choose another output folder with --preprocessed (or THIGH_PREPROCESSED)"
    ) in log
    assert root.read_text() == "not a folder"


def test_dataset_output_that_is_a_file(raw: Path, tmp_path: Path, caplog) -> None:
    root = tmp_path / "preprocessed"
    root.mkdir()
    (root / "Empty").write_text("")
    code, log = plan(caplog, str(raw), "--preprocessed", str(root))
    assert code == 2
    assert f"{root / 'Empty'}: the output folder is an existing file, not a folder" in log


def test_a_usable_folder_goes_on_to_the_validation(raw: Path, tmp_path: Path, caplog) -> None:
    code, log = plan(caplog, str(raw), "--preprocessed", str(tmp_path / "preprocessed"))
    assert code == 2
    assert "the output folder" not in log and f"dataset {raw} is not valid" in log
    assert not (tmp_path / "preprocessed").exists()


@pytest.mark.skipif(AS_ROOT, reason="root may write into a folder of mode 555")
def test_preprocessed_root_that_cannot_be_written(raw: Path, tmp_path: Path, caplog) -> None:
    root = tmp_path / "preprocessed"
    root.mkdir()
    root.chmod(0o555)
    try:
        code, log = plan(caplog, str(raw), "--preprocessed", str(root))
    finally:
        root.chmod(0o755)
    assert code == 2
    assert f"{root / 'Empty'}: the output folder cannot be created because {root} cannot be written" in log
