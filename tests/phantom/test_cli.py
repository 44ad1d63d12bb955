"""``thigh_synth`` run in process (``main(argv)``): the dataset it writes and its messages."""

import json

import numpy as np
import pytest
import SimpleITK as sitk
from support.commands import run_main

from dataset_conversion.phantom.cli import main
from thigh_common.labels import dataset_json_labels


def run(*args):
    return run_main(main, *args)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("phantom") / "ds"
    result = run("-o", out, "-n", 2, "--seed", 3, "--size", "tiny", "--preview", "--directions", "mixed")
    assert result.returncode == 0, result.stderr
    return out


def test_cli_writes_the_layout(dataset):
    content = json.loads((dataset / "dataset.json").read_text())
    assert content["numTraining"] == 2
    assert content["labels"] == dataset_json_labels()
    assert content["channel_names"] == {"0": "CT"}
    assert content["phantom"]["seed"] == 3 and content["phantom"]["size"] == "tiny"
    for name in ("phantom_000", "phantom_001"):
        assert (dataset / "imagesTr" / f"{name}_0000.nii.gz").is_file()
        assert (dataset / "labelsTr" / f"{name}.nii.gz").is_file()
        assert (dataset / "preview" / f"{name}.png").stat().st_size > 10_000
        truth = json.loads((dataset / "phantom_truth" / f"{name}.json").read_text())
        assert set(truth["legs"]) == {"left", "right"}
        assert len(truth["legs"]["left"]["femoral_head_centre_mm"]) == 3
    flipped = sitk.ReadImage(str(dataset / "imagesTr" / "phantom_001_0000.nii.gz"))
    assert flipped.GetDirection()[0] == pytest.approx(-1.0)


def test_case_does_not_depend_on_count(dataset, tmp_path):
    out = tmp_path / "single"
    result = run(
        "-o", out, "-n", 1, "--seed", 3, "--size", "tiny", "--start-index", 1, "--directions", "mixed"
    )
    assert result.returncode == 0, result.stderr
    for folder, name in (("imagesTr", "phantom_001_0000.nii.gz"), ("labelsTr", "phantom_001.nii.gz")):
        a = sitk.ReadImage(str(dataset / folder / name))
        b = sitk.ReadImage(str(out / folder / name))
        assert np.array_equal(sitk.GetArrayFromImage(a), sitk.GetArrayFromImage(b))
        assert a.GetOrigin() == b.GetOrigin() and a.GetDirection() == b.GetDirection()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "0"], "must be at least 1"),
        (["-n", "1", "--start-index", "-1"], "--start-index must be 0 or more"),
        (["-n", "1", "--size", "huge"], "invalid choice: 'huge'"),
    ],
)
def test_bad_arguments(tmp_path, args, message):
    result = run("-o", tmp_path / "x", *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_refuses_existing_cases_without_overwrite(dataset):
    result = run("-o", dataset, "-n", 1, "--size", "tiny")
    assert result.returncode == 2
    assert "already holds" in result.stderr and "--overwrite" in result.stderr


def test_overwrite_replaces_cases(tmp_path):
    out = tmp_path / "ds"
    assert run("-o", out, "-n", 2, "--size", "tiny").returncode == 0
    result = run("-o", out, "-n", 1, "--size", "tiny", "--seed", 1, "--overwrite", "--legs", "left")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (out / "labelsTr").iterdir()) == ["phantom_000.nii.gz"]
    assert json.loads((out / "dataset.json").read_text())["numTraining"] == 1


def test_conditions_on_the_command_line(tmp_path):
    out = tmp_path / "hard"
    result = run(
        "-o", out, "-n", 1, "--size", "tiny", "--condition", "circle=-3024,metal", "--condition", "low-dose"
    )
    assert result.returncode == 0, result.stderr
    truth = json.loads((out / "phantom_truth" / "phantom_000.json").read_text())
    assert set(truth["conditions"]) == {"circle", "metal", "low-dose"}
    assert truth["conditions"]["circle"]["padding_hu"] == -3024
    assert json.loads((out / "dataset.json").read_text())["phantom"]["conditions"] == [
        "low-dose",
        "metal",
        "circle=-3024",
    ]
    image = sitk.GetArrayFromImage(sitk.ReadImage(str(out / "imagesTr" / "phantom_000_0000.nii.gz")))
    assert image.min() == -3024 and image.max() == 3071


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("metal=titanium", "unknown value 'titanium' for --condition metal; expected one of stem, nail"),
        ("armz", "unknown --condition 'armz'; expected one of"),
    ],
)
def test_bad_condition_on_the_command_line(tmp_path, value, message):
    result = run("-o", tmp_path / "x", "-n", 1, "--size", "tiny", "--condition", value)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "x").exists()
