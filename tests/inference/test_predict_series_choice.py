"""``thigh_predict -i DICOM_FOLDER [--series-uid UID]``: the series is chosen before the model is loaded.

The command runs with an empty results folder: a run whose series choice
passed stops with "no trained 2d5 model"; a refused choice stops before it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from support.commands import run_main
from support.dicom_series import write_ct_series

from thigh_inference.cli import main

MODEL_MISSING = "no trained 2d5 model for dataset 'Missing'"


def _study(folder: Path, *series: tuple[str, str, int]) -> Path:
    """Write one DICOM folder holding a series per ``(uid, description, slices)``."""
    for uid, description, slices in series:
        array = np.full((slices, 10, 8), -1000, np.int16)
        array[:, 2:-2, 2:-2] = 200
        image_type = "ORIGINAL\\PRIMARY\\LOCALIZER" if slices == 1 else "ORIGINAL\\PRIMARY\\AXIAL"
        write_ct_series(folder, array, series_uid=uid, description=description, image_type=image_type,
                        prefix=description)  # fmt: skip
    return folder


def predict(caplog: pytest.LogCaptureFixture, tmp_path: Path, *arguments: str) -> tuple[int, str]:
    """Run ``thigh_predict`` in this process with an empty results folder; return its code and log."""
    caplog.clear()
    caplog.set_level(logging.INFO)
    results = tmp_path / "results"
    results.mkdir(exist_ok=True)
    code = main(["--results", str(results), "-d", "Missing", "--device", "cpu", *arguments])
    return code, caplog.text


def test_unknown_series_uid_is_refused_by_the_command_with_the_series_listed(tmp_path: Path) -> None:
    study = _study(tmp_path / "study", ("1.2.3.30.1", "thighs", 4), ("1.2.3.30.9", "Topogram", 1))
    results = tmp_path / "results"
    results.mkdir()
    done = run_main(main, "-i", study, "-o", tmp_path / "out", "--series-uid", "9.9.9", "--results", results,
                    "-d", "Missing", "--device", "cpu")  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"ERROR thighseg: {study}: no series with UID '9.9.9'; the folder holds:\n" in done.stderr
    assert "  1.2.3.30.1 [CT] 'thighs', 4 files, 2.5 mm thick\n" in done.stderr
    assert "  1.2.3.30.9 [CT] 'Topogram', 1 file, 2.5 mm thick\n" in done.stderr
    assert "Pass one of these UIDs with --series-uid." in done.stderr
    assert "Traceback" not in done.stderr and MODEL_MISSING not in done.stderr
    assert not (tmp_path / "out").exists()


def test_localizer_is_skipped_and_the_run_goes_on_to_the_model(tmp_path: Path, caplog) -> None:
    study = _study(tmp_path / "study", ("1.2.3.30.1", "thighs", 4), ("1.2.3.30.9", "Topogram", 1))
    code, log = predict(caplog, tmp_path, "-i", str(study), "-o", str(tmp_path / "out"))
    assert code == 2
    assert f"{study}: reading series 1.2.3.30.1 'thighs': 4 slices" in log
    assert "1.2.3.30.9 'Topogram': 1 slice, 2.5 mm thick: a localizer" in log
    assert MODEL_MISSING in log


def test_ambiguous_series_are_refused_before_the_model(tmp_path: Path, caplog) -> None:
    study = _study(tmp_path / "study", ("1.2.3.30.1", "soft", 4), ("1.2.3.30.2", "bone", 4))
    code, log = predict(caplog, tmp_path, "-i", str(study), "-o", str(tmp_path / "out"))
    assert code == 2
    assert f"{study}: 2 CT series could be the thigh scan" in log
    assert "1.2.3.30.1 'soft': 4 slices, 2.5 mm thick" in log and "1.2.3.30.2 'bone': 4 slices" in log
    assert MODEL_MISSING not in log
    code, log = predict(
        caplog, tmp_path, "-i", str(study), "-o", str(tmp_path / "out"), "--series-uid", "1.2.3.30.2"
    )
    assert code == 2
    assert f"{study}: reading series 1.2.3.30.2 [CT] 'bone', 4 files, 2.5 mm thick (--series-uid)" in log
    assert MODEL_MISSING in log
