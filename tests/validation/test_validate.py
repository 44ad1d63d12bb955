import json

import pytest

from dataset_conversion.validation import DatasetInvalidError, ensure_valid_dataset, validate_dataset
from thigh_common.errors import InvalidInputError, ThighSegError


def test_clean_dataset_passes_with_summary(raw_dataset):
    report = validate_dataset(raw_dataset)
    assert report.ok, report.format()
    assert [case.case for case in report.cases] == ["case_000", "case_001", "case_002"]
    assert [case.case for case in report.test_cases] == ["test_000"]
    assert report.cases[0].size == (12, 16, 10)
    assert report.cases[0].spacing == pytest.approx((1.5, 1.25, 3.0))
    assert report.cases[0].labels_present == tuple(range(11))
    summary = report.format()
    assert "3 training case(s), 1 test image(s)" in summary
    assert "spacing (mm):   x 1.5, y 1.25, z 3" in summary
    assert "size (voxels):  x 12, y 16, z 10" in summary
    assert "no problems found" in summary


def test_several_problems_are_all_listed_per_case(raw_dataset, synth, expect_problem):
    content = json.loads((raw_dataset / "dataset.json").read_text())
    content["numTraining"] = 7
    (raw_dataset / "dataset.json").write_text(json.dumps(content))
    (raw_dataset / "labelsTr" / "case_000.nii.gz").unlink()
    synth.write_image(synth.to_image(synth.label_array() + 20), raw_dataset / "labelsTr" / "case_001.nii.gz")
    synth.write_image(
        synth.to_image(synth.ct_array(2) + 1024), raw_dataset / "imagesTr" / "case_002_0000.nii.gz"
    )
    synth.write_image(
        synth.to_image(synth.label_array(), spacing=(1, 1, 1)), raw_dataset / "labelsTr" / "case_002.nii.gz"
    )
    report = validate_dataset(raw_dataset)
    expect_problem(report, "dataset", "numTraining", "found 7")
    expect_problem(report, "case_000", "no label for this image")
    expect_problem(report, "case_001", "label values", "found values 20, 21, 22")
    expect_problem(report, "case_002", "without the rescale intercept")
    expect_problem(report, "case_002", "same grid as image", "spacing (1.0, 1.0, 1.0) != (1.5, 1.25, 3.0)")
    assert len(report.problems) == 5
    listing = report.format()
    assert listing.index("  dataset:") < listing.index("  case_000:") < listing.index("  case_002:")
    assert "5 problem(s)" in listing


def test_workers_give_the_same_report(raw_dataset, synth):
    synth.write_image(synth.to_image(synth.label_array() * 0), raw_dataset / "labelsTr" / "case_001.nii.gz")
    serial = validate_dataset(raw_dataset, workers=1)
    parallel = validate_dataset(raw_dataset, workers=2)
    assert serial.problems == parallel.problems
    assert serial.cases == parallel.cases


def test_ensure_valid_dataset_returns_report_when_clean(raw_dataset):
    assert ensure_valid_dataset(raw_dataset).ok


def test_ensure_valid_dataset_raises_with_full_listing(raw_dataset):
    (raw_dataset / "imagesTr" / "case_001_0000.nii.gz").write_bytes(b"broken")
    (raw_dataset / "labelsTr" / "case_002.nii.gz").unlink()
    with pytest.raises(DatasetInvalidError) as raised:
        ensure_valid_dataset(raw_dataset)
    message = str(raised.value)
    assert isinstance(raised.value, ThighSegError)
    assert "case_001:" in message and "cannot be read" in message
    assert "case_002:" in message and "no label for this image" in message
    assert f"thigh_validate {raw_dataset}" in message
    assert len(raised.value.report.problems) == 2


def test_missing_folder_is_a_usage_error(tmp_path):
    with pytest.raises(InvalidInputError, match="not found: expected a folder with dataset.json"):
        validate_dataset(tmp_path / "nothing")
