"""``thigh_predict`` never writes its outputs where they could replace an input, and checks OUT first.

The command runs with an empty results folder: had it loaded the model before
checking OUT, it would stop with "no trained 2d5 model" instead of the messages
checked here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from support.commands import run_main
from support.dicom_series import write_ct_series

from thigh_common.errors import InvalidInputError
from thigh_common.image_io import write_image
from thigh_inference.cli import main
from thigh_inference.inputs import find_scans
from thigh_inference.output_guard import check_outputs_apart_from_inputs

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
MODEL_MISSING = "no trained 2d5 model for dataset 'Missing'"
HOLDS_INPUTS = (
    "thigh_predict would write its label maps (CASE.nii.gz) and tables beside the input scans and could "
    "replace them. Choose another output folder with -o, one that holds no input scans"
)


def _ct() -> sitk.Image:
    array = np.full((4, 6, 5), -1000, np.int16)
    array[:, 1:-1, 1:-1] = 200
    return sitk.GetImageFromArray(array)


@pytest.fixture
def scans(tmp_path: Path) -> Path:
    """A folder of two scans, one named like its own label map would be (``scan.nii.gz``)."""
    folder = tmp_path / "scans"
    write_image(_ct(), folder / "scan.nii.gz")
    write_image(_ct(), folder / "other_0000.nrrd")
    return folder


def _contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


# (-i, -o, what the message says the output folder is), built from tmp_path and the scans folder
CLASHES: dict[str, Callable[[Path, Path], tuple[Path, Path, str]]] = {
    "input folder": lambda tmp, d: (d, d, f"{d}: the output folder is the input folder"),
    "input folder by ..": lambda tmp, d: (d, d / "sub" / "..", f"= {d}): the output folder is the input folder"),
    "single file, its folder": lambda tmp, d: (
        d / "scan.nii.gz", d, f"{d}: the output folder is the folder of the input scan scan.nii.gz"
    ),
    "single file, the file": lambda tmp, d: (
        d / "scan.nii.gz", d / "scan.nii.gz", "scan.nii.gz: the output folder is the input scan scan.nii.gz"
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CLASHES))
def test_output_folder_holding_the_inputs_is_refused(scans: Path, tmp_path: Path, case: str) -> None:
    (scans / "sub").mkdir()
    input_path, output, expected = CLASHES[case](tmp_path, scans)
    with pytest.raises(InvalidInputError) as raised:
        check_outputs_apart_from_inputs(input_path, find_scans(input_path), output)
    assert expected in str(raised.value)
    assert HOLDS_INPUTS in str(raised.value)
    assert "\n" not in str(raised.value)


def test_relative_output_folder_is_resolved(scans: Path, monkeypatch) -> None:
    monkeypatch.chdir(scans)
    with pytest.raises(InvalidInputError, match=r"^\. \(= .*scans\): the output folder is the input folder"):
        check_outputs_apart_from_inputs(Path("."), find_scans(Path(".")), Path("."))
    monkeypatch.chdir(scans.parent)
    with pytest.raises(InvalidInputError, match="the output folder is the input folder"):
        check_outputs_apart_from_inputs(scans, find_scans(scans), Path("scans"))


def test_symbolic_links_are_followed(scans: Path, tmp_path: Path) -> None:
    (tmp_path / "alias").symlink_to(scans)
    with pytest.raises(
        InvalidInputError, match=re.escape(f"alias (= {scans}): the output folder is the input folder")
    ):
        check_outputs_apart_from_inputs(scans, find_scans(scans), tmp_path / "alias")
    # a linked scan: neither the folder of the link nor that of the file it points to
    (tmp_path / "links").mkdir()
    (tmp_path / "links" / "linked.nii.gz").symlink_to(scans / "scan.nii.gz")
    link = tmp_path / "links" / "linked.nii.gz"
    for output in (tmp_path / "links", scans):
        with pytest.raises(
            InvalidInputError, match="the output folder is the folder of the input scan linked"
        ):
            check_outputs_apart_from_inputs(link, find_scans(link), output)


def test_a_dicom_series_folder_is_refused(tmp_path: Path) -> None:
    series = tmp_path / "patients" / "p1" / "ct"
    write_ct_series(series)
    scans = find_scans(tmp_path / "patients")
    with pytest.raises(InvalidInputError, match="the output folder is the DICOM series folder of p1_ct"):
        check_outputs_apart_from_inputs(tmp_path / "patients", scans, series)


@pytest.mark.parametrize(
    "output", ["predictions", "scans/predictions", "."], ids=["beside", "below", "above"]
)
def test_folders_apart_from_the_inputs_pass(scans: Path, tmp_path: Path, output: str) -> None:
    check_outputs_apart_from_inputs(scans, find_scans(scans), tmp_path / output)
    check_outputs_apart_from_inputs(
        scans / "scan.nii.gz", find_scans(scans / "scan.nii.gz"), tmp_path / output
    )


def predict(caplog: pytest.LogCaptureFixture, tmp_path: Path, *arguments: str) -> tuple[int, str]:
    """Run ``thigh_predict`` in this process with an empty results folder; return its code and log."""
    caplog.clear()
    results = tmp_path / "results"
    results.mkdir(exist_ok=True)
    code = main(["--results", str(results), "-d", "Missing", "--device", "cpu", *arguments])
    return code, caplog.text


def test_the_issue_command_is_refused_and_the_scan_kept(scans: Path, tmp_path: Path) -> None:
    """``thigh_predict -i D -o D --overwrite`` replaced D/scan.nii.gz by its label map."""
    before = _contents(scans)
    results = tmp_path / "results"
    results.mkdir()
    done = run_main(main, "-i", scans, "-o", scans, "--overwrite", "--results", results, "-d", "Missing",
                    "--device", "cpu")  # fmt: skip
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and f"{scans}: the output folder is the input folder; {HOLDS_INPUTS}" in errors[0]
    assert "Traceback" not in done.stderr and "predicted" not in done.stdout
    assert _contents(scans) == before


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]], ids=["skip", "overwrite"])
def test_single_file_into_its_own_folder_is_refused(scans: Path, tmp_path: Path, caplog, overwrite) -> None:
    before = _contents(scans)
    code, log = predict(caplog, tmp_path, "-i", str(scans / "scan.nii.gz"), "-o", str(scans), *overwrite)
    assert code == 2
    assert f"{scans}: the output folder is the folder of the input scan scan.nii.gz" in log
    assert MODEL_MISSING not in log
    assert _contents(scans) == before


def test_an_existing_file_as_output_is_refused_before_the_model(scans: Path, tmp_path: Path, caplog) -> None:
    (tmp_path / "report.pdf").write_bytes(b"%PDF")
    code, log = predict(caplog, tmp_path, "-i", str(scans), "-o", str(tmp_path / "report.pdf"))
    assert code == 2
    assert (
        f"{tmp_path / 'report.pdf'}: the output folder is an existing file, not a folder; "
        "choose another output folder with -o"
    ) in log
    assert MODEL_MISSING not in log
    assert (tmp_path / "report.pdf").read_bytes() == b"%PDF"


def test_a_usable_output_folder_goes_on_to_the_model(scans: Path, tmp_path: Path, caplog) -> None:
    code, log = predict(caplog, tmp_path, "-i", str(scans), "-o", str(tmp_path / "predictions"))
    assert code == 2
    assert MODEL_MISSING in log
    assert not (tmp_path / "predictions").exists()


@pytest.mark.skipif(AS_ROOT, reason="root may write into a folder of mode 555")
@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("locked", "locked: the output folder cannot be written (Permission denied); make it writable"),
        ("locked/new", "new: the output folder cannot be created because {locked} cannot be written"),
    ],
)
def test_an_output_folder_that_cannot_be_written_is_refused_before_the_model(
    scans: Path, tmp_path: Path, caplog, output: str, expected: str
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code, log = predict(caplog, tmp_path, "-i", str(scans), "-o", str(tmp_path / output))
    finally:
        locked.chmod(0o755)
    assert code == 2
    assert expected.format(locked=locked) in log
    assert MODEL_MISSING not in log
