"""Import of an nnU-Net v2 raw dataset (thigh_convert nnunet)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import SimpleITK as sitk

from dataset_conversion.label_mapping import parse_map_specs
from dataset_conversion.nnunet_import import import_nnunet_dataset
from thigh_common.dataset_json import read_dataset_json
from thigh_common.errors import InvalidInputError
from thigh_common.geometry import geometry_differences
from thigh_common.labels import dataset_json_labels

ADDUCTOR_RULES = parse_map_specs(["adductor_magnus=6", "adductor longus=adductors"])


@pytest.mark.parametrize("file_ending", [".nrrd", ".mha"])
def test_import_maps_names_and_keeps_geometry(tmp_path, synth, file_ending):
    source = synth.write_nnunet_dataset(tmp_path, file_ending=file_ending)
    output = tmp_path / "Dataset042_Thigh"
    content = import_nnunet_dataset(source, output, rules=ADDUCTOR_RULES)

    assert content == read_dataset_json(output)
    assert content["labels"] == dataset_json_labels() and content["channel_names"] == {"0": "CT"}
    assert content["numTraining"] == 2 and content["file_ending"] == ".nii.gz"
    assert content["label_mapping"] == {
        "background": 0,
        "Vastus-Lateralis": 3,
        "adductor magnus": 6,
        "adductor longus": 6,
    }
    assert sorted(path.name for path in (output / "imagesTr").iterdir()) == [
        "src_000_0000.nii.gz",
        "src_001_0000.nii.gz",
    ]
    assert sorted(path.name for path in (output / "imagesTs").iterdir()) == ["test_000_0000.nii.gz"]
    for case in ("src_000", "src_001"):
        source_image = sitk.ReadImage(str(source / "imagesTr" / f"{case}_0000{file_ending}"))
        image = sitk.ReadImage(str(output / "imagesTr" / f"{case}_0000.nii.gz"))
        label = sitk.ReadImage(str(output / "labelsTr" / f"{case}.nii.gz"))
        assert geometry_differences(source_image, image, tolerance=1e-6) == []
        assert geometry_differences(source_image, label, tolerance=1e-6) == []
        assert not np.allclose(np.reshape(image.GetDirection(), (3, 3)), np.eye(3))
        assert image.GetPixelID() == sitk.sitkInt16 and label.GetPixelID() == sitk.sitkUInt8
        np.testing.assert_array_equal(
            sitk.GetArrayViewFromImage(image), sitk.GetArrayViewFromImage(source_image)
        )
        expected = np.choose(synth.source_labels(), [0, 3, 6, 6])
        np.testing.assert_array_equal(sitk.GetArrayViewFromImage(label), expected)
    assert not list(tmp_path.glob(".*partial*")), "the staging folder is removed"


def test_unmapped_source_labels_are_listed_with_the_hint(tmp_path, synth):
    source = synth.write_nnunet_dataset(tmp_path)
    output = tmp_path / "out"
    with pytest.raises(InvalidInputError) as error:
        import_nnunet_dataset(source, output)
    message = str(error.value)
    assert "unmapped source label(s): adductor magnus=2, adductor longus=3" in message
    assert "--map SOURCE=TARGET" in message and "--unmapped background" in message
    assert not output.exists()
    import_nnunet_dataset(source, output, unmapped="background")
    label = sitk.GetArrayFromImage(sitk.ReadImage(str(output / "labelsTr" / "src_000.nii.gz")))
    assert set(np.unique(label)) == {0, 3}


def test_region_based_labels_are_rejected(tmp_path, synth):
    labels = {"background": 0, "whole": [1, 2, 3], "core": [2, 3]}
    source = synth.write_nnunet_dataset(tmp_path, labels=labels)
    with pytest.raises(InvalidInputError) as error:
        import_nnunet_dataset(source, tmp_path / "out")
    assert "region-based labels (e.g. 'whole': [1, 2, 3]) are not supported" in str(error.value)


@pytest.mark.parametrize(
    ("channel_names", "expected"),
    [({"0": "MRI"}, "channel 0 is 'MRI', not CT"), ({"0": "T1w", "1": "T2"}, "channel 0 is 'T1w', not CT")],
)
def test_non_ct_channels_are_rejected(tmp_path, synth, channel_names, expected):
    source = synth.write_nnunet_dataset(tmp_path, channel_names=channel_names)
    with pytest.raises(InvalidInputError, match=expected):
        import_nnunet_dataset(source, tmp_path / "out", rules=ADDUCTOR_RULES)


def test_unrecognised_channel_name_warns(tmp_path, synth, caplog):
    source = synth.write_nnunet_dataset(tmp_path, channel_names={"0": "image"})
    import_nnunet_dataset(source, tmp_path / "out", rules=ADDUCTOR_RULES)
    assert "channel 0 is named 'image', not 'CT'" in caplog.text


def test_all_case_problems_are_listed_at_once(tmp_path, synth):
    source = synth.write_nnunet_dataset(tmp_path, n_cases=4, label_values=(1, 2, 3))
    (source / "labelsTr" / "src_000.nrrd").unlink()  # missing label
    (source / "imagesTr" / "src_001_0000.nrrd").write_text("not an image")  # unreadable
    bad_values = synth.to_image(synth.source_labels((1, 7, 3)))
    sitk.WriteImage(bad_values, str(source / "labelsTr" / "src_002.nrrd"))  # value 7 not in dataset.json
    shifted = synth.to_image(synth.source_labels(), origin=(0.0, 0.0, 0.0))
    sitk.WriteImage(shifted, str(source / "labelsTr" / "src_003.nrrd"))  # other grid
    output = tmp_path / "out"
    with pytest.raises(InvalidInputError) as error:
        import_nnunet_dataset(source, output, rules=ADDUCTOR_RULES)
    message = str(error.value)
    assert "4 problem(s); nothing was written to the output" in message
    assert "src_000: no label file labelsTr/src_000.nrrd for imagesTr/src_000_0000.nrrd" in message
    assert "src_001: image " in message and "not an image SimpleITK can read (it starts with text" in message
    assert (
        "src_002: label src_002.nrrd: label values [7] are not in the source dataset.json labels" in message
    )
    assert "src_003: label src_003.nrrd is not on the image grid of src_003_0000.nrrd: origin" in message
    assert not output.exists()


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        ("no_dataset_json", "no dataset.json; expected an nnU-Net v2 raw dataset folder"),
        ("no_images", "no imagesTr folder"),
        ("empty_images", "no image files CASE_0000.nrrd; found nothing"),
        ("bad_json", "not valid JSON"),
        ("float_labels", "label values must be integers"),
    ],
)
def test_bad_source_datasets(tmp_path, synth, breakage, expected):
    source = synth.write_nnunet_dataset(tmp_path)
    if breakage == "no_dataset_json":
        (source / "dataset.json").unlink()
    elif breakage in ("no_images", "empty_images"):
        for path in (source / "imagesTr").iterdir():
            path.unlink()
        for path in (source / "labelsTr").iterdir():
            path.unlink()
        if breakage == "no_images":
            (source / "imagesTr").rmdir()
    elif breakage == "bad_json":
        (source / "dataset.json").write_text("{")
    elif breakage == "float_labels":
        content = json.loads((source / "dataset.json").read_text())
        content["labels"]["adductor magnus"] = 2.5
        (source / "dataset.json").write_text(json.dumps(content))
    with pytest.raises(InvalidInputError, match=expected):
        import_nnunet_dataset(source, tmp_path / "out", rules=ADDUCTOR_RULES)


def test_non_empty_output_needs_overwrite(tmp_path, synth):
    source = synth.write_nnunet_dataset(tmp_path)
    output = tmp_path / "out"
    (output / "imagesTr").mkdir(parents=True)
    (output / "imagesTr" / "stale_0000.nii.gz").write_text("old")
    (output / "notes.txt").write_text("mine")
    with pytest.raises(InvalidInputError, match="exists and is not empty; .* pass --overwrite"):
        import_nnunet_dataset(source, output, rules=ADDUCTOR_RULES)
    import_nnunet_dataset(source, output, rules=ADDUCTOR_RULES, overwrite=True)
    assert not (output / "imagesTr" / "stale_0000.nii.gz").exists(), "old cases are replaced"
    assert (output / "notes.txt").read_text() == "mine"
    with pytest.raises(InvalidInputError, match="may not be the source folder"):
        import_nnunet_dataset(source, source, rules=ADDUCTOR_RULES, overwrite=True)


def test_cli_nnunet(tmp_path, synth):
    source = synth.write_nnunet_dataset(tmp_path, file_ending=".mha")
    map_file = tmp_path / "map.json"
    map_file.write_text(json.dumps({"adductor magnus": "adductors"}))
    output = tmp_path / "out"
    failed = synth.run_cli("nnunet", str(source), str(output), "--map-file", str(map_file))
    assert failed.returncode == 2 and "unmapped source label(s): adductor longus=3" in failed.stderr
    assert "Traceback" not in failed.stderr and not output.exists()
    result = synth.run_cli("nnunet", str(source), str(output), "--map-file", str(map_file), "--map", "3=6")
    assert result.returncode == 0, result.stderr
    assert read_dataset_json(output)["numTraining"] == 2
