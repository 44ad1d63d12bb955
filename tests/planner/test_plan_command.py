"""``thigh_plan``: once end to end in a subprocess, then every other case in process (``main(argv)``)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from support.commands import run_main

from thigh_common.dataset_json import make_dataset_json, write_dataset_json
from thigh_planner.cli import main
from thigh_planner.plans import load_plans
from thigh_planner.preprocessed_leg import load_leg
from thigh_planner.splits import load_splits

REAL_CT = Path(__file__).resolve().parents[3] / "shared" / "data" / "real_ct"


def run_plan_subprocess(*arguments):
    """Run ``thigh_plan`` as a user does, in its own interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "thigh_planner.cli", *arguments],
        capture_output=True,
        text=True,
        env=dict(os.environ),
    )


def run_plan(*arguments, env_extra=None):
    """Run ``thigh_plan`` in this process."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in (env_extra or {}).items():
            patch.setenv(name, value)
        return run_main(main, *arguments)


@pytest.fixture(scope="module")
def planned(tiny_dataset, tmp_path_factory):
    output_root = tmp_path_factory.mktemp("preprocessed")
    result = run_plan_subprocess(
        str(tiny_dataset), "--preprocessed", str(output_root), "--workers", "2", "--folds", "3"
    )
    assert result.returncode == 0, result.stderr
    return output_root / tiny_dataset.name, result


def test_plan_writes_fingerprint_plans_splits_and_legs(planned, tiny_dataset):
    folder, result = planned
    assert "planned Tiny" in result.stdout
    plans = load_plans(folder / "plans.json")
    splits = load_splits(folder / "splits.json")
    cases = ["phantom_000", "phantom_001", "phantom_002"]
    assert sorted(case for fold in splits for case in fold["val"]) == cases
    fingerprint = json.loads((folder / "fingerprint.json").read_text())
    assert [case["case_id"] for case in fingerprint["cases"]] == cases
    for case in fingerprint["cases"]:
        assert sorted(case["detection"]["legs"]) == ["left", "right"]
        assert case["class_volumes_ml"]["left"]["adductors"] > 50
    assert 20 < fingerprint["summary"]["muscle_hu"]["mean"] < 80
    marker = json.loads((folder / "preprocessing.json").read_text())
    assert marker["complete"] and len(marker["legs"]) == 6
    for name in marker["legs"]:
        record, image, labels = load_leg(folder / "legs", name)
        assert image.shape == labels.shape == tuple(plans.crop_shape)
        assert image.dtype == np.float32 and labels.dtype == np.uint8
        assert len(set(np.unique(labels)) - {0}) >= 8, f"{name}: most muscles inside the crop"
        mirrored = np.linalg.det(record.frame.axes_matrix) < 0
        assert mirrored == (record.side == "left")


def test_rerun_resumes_an_interrupted_preprocessing(planned, tiny_dataset):
    folder, _ = planned
    (folder / "preprocessing.json").unlink()
    (folder / "legs" / "phantom_001_left.json").unlink()
    result = run_plan(
        str(tiny_dataset), "--preprocessed", str(folder.parent), "--workers", "1", "--folds", "3"
    )
    assert result.returncode == 0, result.stderr
    assert "resuming: 2 of 3 cases already preprocessed" in result.stderr
    assert (folder / "legs" / "phantom_001_left.json").exists()
    assert json.loads((folder / "preprocessing.json").read_text())["complete"]


def test_dataset_without_thigh_stops_with_the_reason_and_writes_nothing(tmp_path):
    scan = REAL_CT / "example_ct.nii.gz"
    if not scan.exists():
        pytest.skip("shared real CT data not present")
    raw = tmp_path / "NoThigh"
    (raw / "imagesTr").mkdir(parents=True)
    (raw / "labelsTr").mkdir()
    image = sitk.ReadImage(str(scan))
    sitk.WriteImage(sitk.Cast(image, sitk.sitkInt16), str(raw / "imagesTr" / "abdomen_0000.nii.gz"))
    labels = np.zeros(sitk.GetArrayViewFromImage(image).shape, np.uint8)
    labels[50:55, 40:45, 40:45] = 3
    label_image = sitk.GetImageFromArray(labels)
    label_image.CopyInformation(image)
    sitk.WriteImage(label_image, str(raw / "labelsTr" / "abdomen.nii.gz"))
    write_dataset_json(raw, make_dataset_json(1))
    result = run_plan(str(raw), "--preprocessed", str(tmp_path / "pre"), "--workers", "1")
    assert result.returncode == 2
    assert "thigh detection failed for 1 case(s)" in result.stderr
    assert "abdomen: no thigh found in case abdomen: searched z 94.3..426.3 mm" in result.stderr
    assert not (tmp_path / "pre").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["NoSuchDataset"], "dataset 'NoSuchDataset' not found"),
        (["{raw}", "--workers", "0"], "argument --workers: must be at least 1, got 0"),
        (["{raw}", "--gpu-memory-gb", "-1"], "--gpu-memory-gb must be positive"),
    ],
)
def test_bad_arguments_are_reported(tmp_path, tiny_dataset, arguments, message):
    arguments = [a.format(raw=tiny_dataset) for a in arguments]
    result = run_plan(*arguments, "--preprocessed", str(tmp_path), env_extra={"THIGH_RAW": str(tmp_path)})
    assert result.returncode == 2
    assert message in result.stderr


def test_invalid_dataset_is_listed_before_planning(tmp_path, tiny_dataset):
    raw = tmp_path / "Broken"
    shutil.copytree(tiny_dataset, raw)
    (raw / "labelsTr" / "phantom_001.nii.gz").unlink()
    result = run_plan(str(raw), "--preprocessed", str(tmp_path / "pre"))
    assert result.returncode == 2
    assert "phantom_001" in result.stderr
    assert "thigh_validate" in result.stderr
    assert not (tmp_path / "pre").exists()
