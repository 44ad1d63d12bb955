"""Import of a folder of image/label pairs (thigh_convert pairs)."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from dataset_conversion.pairs_import import case_name, import_pairs
from thigh_common.dataset_json import read_dataset_json
from thigh_common.errors import InvalidInputError
from thigh_common.geometry import geometry_differences


def _write_pairs(
    tmp_path, synth, cases=("p1", "p2"), image_suffix="_ct", label_suffix="_seg", values=(1, 12, 13)
):
    images, labels = tmp_path / "images", tmp_path / "labels"
    images.mkdir(exist_ok=True)
    labels.mkdir(exist_ok=True)
    endings = [".nii.gz", ".nrrd", ".mha"]
    for index, case in enumerate(cases):
        ending = endings[index % len(endings)]
        sitk.WriteImage(synth.to_image(synth.ct_array(index)), str(images / f"{case}{image_suffix}{ending}"))
        label = synth.to_image(synth.source_labels(values).astype(np.int16))
        sitk.WriteImage(label, str(labels / f"{case}{label_suffix}{endings[(index + 1) % 3]}"))
    return images, labels


@pytest.mark.parametrize(
    ("name", "suffix", "expected"),
    [
        ("p1_0000.nii.gz", None, "p1"),
        ("p1.nrrd", None, "p1"),
        ("p1_ct.mha", "_ct", "p1"),
        ("p1.mha", "_ct", None),
        ("p1_seg.nii", "", "p1_seg"),
    ],
)
def test_case_name(tmp_path, name, suffix, expected):
    assert case_name(tmp_path / name, suffix) == expected


def test_pairs_import_with_suffixes_and_numeric_map(tmp_path, synth):
    images, labels = _write_pairs(tmp_path, synth, cases=("p1", "p2", "p3"))
    output = tmp_path / "Dataset050_Pairs"
    content = import_pairs(
        images, labels, output, image_suffix="_ct", label_suffix="_seg", rules={"1": 1, "12": 6, "13": 6}
    )
    assert content["numTraining"] == 3 and read_dataset_json(output) == content
    for index, case in enumerate(("p1", "p2", "p3")):
        source_image = synth.to_image(synth.ct_array(index))
        image = sitk.ReadImage(str(output / "imagesTr" / f"{case}_0000.nii.gz"))
        label = sitk.ReadImage(str(output / "labelsTr" / f"{case}.nii.gz"))
        assert geometry_differences(source_image, image, tolerance=1e-6) == []
        assert geometry_differences(source_image, label, tolerance=1e-6) == []
        expected = np.choose(synth.source_labels((1, 2, 3)), [0, 1, 6, 6])
        np.testing.assert_array_equal(sitk.GetArrayViewFromImage(label), expected)
        assert label.GetPixelID() == sitk.sitkUInt8


def test_labels_already_in_our_numbers_need_no_map(tmp_path, synth):
    images, labels = _write_pairs(tmp_path, synth, image_suffix="_0000", label_suffix="", values=(1, 5, 10))
    import_pairs(images, labels, tmp_path / "out")
    label = sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / "out" / "labelsTr" / "p1.nii.gz")))
    assert set(np.unique(label)) == {0, 1, 5, 10}


def test_unmapped_values_are_listed_per_case_with_the_hint(tmp_path, synth):
    images, labels = _write_pairs(tmp_path, synth)
    with pytest.raises(InvalidInputError) as error:
        import_pairs(
            images, labels, tmp_path / "out", image_suffix="_ct", label_suffix="_seg", rules={"12": 6}
        )
    message = str(error.value)
    assert "p1: label p1_seg.nrrd: unmapped label value(s): 1, 13" in message
    assert "p2: label" in message and "--unmapped background" in message
    assert not (tmp_path / "out").exists()


def test_unmatched_misnamed_and_mismatched_files_are_listed(tmp_path, synth):
    images, labels = _write_pairs(tmp_path, synth, cases=("p1", "p2", "p3"))
    (labels / "p2_seg.mha").unlink()  # p2: image without label
    sitk.WriteImage(
        synth.to_image(synth.source_labels()), str(labels / "p9_seg.nii.gz")
    )  # label without image
    sitk.WriteImage(synth.to_image(synth.ct_array()), str(images / "odd.nii.gz"))  # lacks the suffix
    wrong_grid = synth.to_image(synth.source_labels(), spacing=(1.0, 1.0, 1.0))
    sitk.WriteImage(wrong_grid, str(labels / "p3_seg.nii.gz"))
    sitk.WriteImage(synth.to_image(synth.source_labels()), str(labels / "p1_seg.mha"))  # second p1 label
    (labels / "notes.txt").write_text("ignored: not an image file")
    with pytest.raises(InvalidInputError) as error:
        import_pairs(
            images,
            labels,
            tmp_path / "out",
            image_suffix="_ct",
            label_suffix="_seg",
            rules={"1": 1, "2": 2, "3": 3, "12": 6, "13": 6},
        )
    message = str(error.value)
    assert "odd.nii.gz: image file name does not end with the suffix '_ct'" in message
    assert "p2: image p2_ct.nrrd has no label file" in message
    assert "p9: label p9_seg.nii.gz has no image file" in message
    assert "p1: two label files for one case: p1_seg.mha, p1_seg.nrrd" in message
    assert "p3: label p3_seg.nii.gz is not on the image grid of p3_ct.mha: spacing" in message


def test_grid_mismatch_is_reported(tmp_path, synth):
    images, labels = _write_pairs(tmp_path, synth, cases=("p1",), values=(1, 2, 3))
    (labels / "p1_seg.nrrd").unlink()
    wrong_grid = synth.to_image(synth.source_labels(), spacing=(1.0, 1.0, 1.0))
    sitk.WriteImage(wrong_grid, str(labels / "p1_seg.nrrd"))
    with pytest.raises(InvalidInputError) as error:
        import_pairs(images, labels, tmp_path / "out", image_suffix="_ct", label_suffix="_seg")
    assert (
        "p1: label p1_seg.nrrd is not on the image grid of p1_ct.nii.gz: spacing (1.0, 1.0, 1.0) != (0.8, 0.9, 2.5)"
        in str(error.value)
    )


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("empty_images", "no image files; expected files ending with one of .nii.gz"),
        ("missing_labels", "no such folder; expected a folder of label files"),
        ("name_rule", "have only numbers; map numbers"),
        ("non_empty_out", "exists and is not empty"),
    ],
)
def test_bad_pairs_inputs(tmp_path, synth, setup, expected):
    images, labels = _write_pairs(tmp_path, synth)
    rules = {"1": 1, "12": 6, "13": 6}
    output = tmp_path / "out"
    if setup == "empty_images":
        for path in images.iterdir():
            path.unlink()
    elif setup == "missing_labels":
        labels = tmp_path / "nowhere"
    elif setup == "name_rule":
        rules = {"vastus": 3}
    elif setup == "non_empty_out":
        output.mkdir()
        (output / "x").write_text("x")
    with pytest.raises(InvalidInputError, match=expected):
        import_pairs(images, labels, output, image_suffix="_ct", label_suffix="_seg", rules=rules)


def test_cli_pairs(tmp_path, synth):
    images, labels = _write_pairs(tmp_path, synth)
    output = tmp_path / "out"
    arguments = [
        "pairs",
        str(images),
        str(labels),
        str(output),
        "--image-suffix",
        "_ct",
        "--label-suffix",
        "_seg",
    ]
    failed = synth.run_cli(*arguments, "--map", "12=6")
    assert failed.returncode == 2 and "unmapped label value(s): 1, 13" in failed.stderr
    result = synth.run_cli(*arguments, "--map", "12=6", "--unmapped", "background", "-v")
    assert result.returncode == 0, result.stderr
    label = sitk.GetArrayFromImage(sitk.ReadImage(str(output / "labelsTr" / "p2.nii.gz")))
    assert set(np.unique(label)) == {0, 6}
    again = synth.run_cli(*arguments, "--map", "12=6", "--unmapped", "background")
    assert again.returncode == 2 and "--overwrite" in again.stderr
