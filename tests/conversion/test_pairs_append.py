"""Appending image/label pairs to an existing raw dataset (the annotation loop's growth step)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import SimpleITK as sitk

from dataset_conversion.pairs_append import append_pairs, existing_case_names
from dataset_conversion.pairs_import import import_pairs
from dataset_conversion.validation.validate import validate_dataset
from thigh_common.dataset_json import read_dataset_json
from thigh_common.errors import InvalidInputError


def _ct(synth, seed):
    """The conversion tests' CT with a bone, so it passes thigh_validate's intensity check."""
    array = synth.ct_array(seed)
    array[:, 9:11, 9:11] = 700
    return synth.to_image(array)


def _write_pairs(folder, synth, cases, seed=0, label_dtype=np.uint8, values=(1, 5, 10)):
    images, labels = folder / "images", folder / "labels"
    images.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    for index, case in enumerate(cases):
        sitk.WriteImage(_ct(synth, seed + index), str(images / f"{case}_0000.nii.gz"))
        label = synth.to_image(synth.source_labels(values).astype(label_dtype))
        sitk.WriteImage(label, str(labels / f"{case}.nii.gz"))
    return images, labels


def _dataset(tmp_path, synth, cases=("a1", "a2")):
    images, labels = _write_pairs(tmp_path / "first", synth, cases)
    dataset = tmp_path / "Dataset060_Grow"
    import_pairs(images, labels, dataset)
    return dataset


def _snapshot(folder):
    """Every file below ``folder`` with its content digest."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_appended_pairs_become_training_cases_of_a_valid_dataset(tmp_path, synth):
    dataset = _dataset(tmp_path, synth)
    images, labels = _write_pairs(tmp_path / "new", synth, ("b1", "b2"), seed=5, label_dtype=np.int16)
    content = append_pairs(images, labels, dataset)
    assert content["numTraining"] == 4 and read_dataset_json(dataset) == content
    assert existing_case_names(dataset) == {"a1", "a2", "b1", "b2"}
    label = sitk.ReadImage(str(dataset / "labelsTr" / "b1.nii.gz"))
    assert label.GetPixelID() == sitk.sitkUInt8  # int16 labels (as Slicer saves them) are converted
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(label), synth.source_labels((1, 5, 10)))
    report = validate_dataset(dataset)
    assert not report.problems, report.problems
    assert not [path for path in tmp_path.iterdir() if ".append-" in path.name]  # stage removed


def test_colour_table_files_beside_the_labels_are_ignored(tmp_path, synth):
    dataset = _dataset(tmp_path, synth)
    images, labels = _write_pairs(tmp_path / "new", synth, ("b1",), seed=5)
    (labels / "thighseg_colours.ctbl").write_text("0 background 0 0 0 0\n")
    (labels / "thighseg_itksnap_labels.txt").write_text('0 0 0 0 0 0 0 "Clear Label"\n')
    assert append_pairs(images, labels, dataset)["numTraining"] == 3


def test_a_clashing_case_name_is_refused_and_nothing_changes(tmp_path, synth):
    dataset = _dataset(tmp_path, synth)
    before = _snapshot(dataset)
    images, labels = _write_pairs(tmp_path / "new", synth, ("b1", "a2"), seed=5)
    with pytest.raises(InvalidInputError) as error:
        append_pairs(images, labels, dataset)
    message = str(error.value)
    assert "case name 'a2' is already in" in message and "never replaced" in message
    assert "nothing was written" in message
    assert _snapshot(dataset) == before


def test_one_bad_pair_leaves_the_dataset_untouched(tmp_path, synth):
    dataset = _dataset(tmp_path, synth)
    before = _snapshot(dataset)
    images, labels = _write_pairs(tmp_path / "new", synth, ("b1", "b2"), seed=5)
    shifted = synth.to_image(synth.source_labels((1, 5, 10)), origin=(0.0, 0.0, 0.0))
    sitk.WriteImage(shifted, str(labels / "b2.nii.gz"))
    with pytest.raises(InvalidInputError) as error:
        append_pairs(images, labels, dataset)
    assert "b2: label b2.nii.gz is not on the image grid of b2_0000.nii.gz" in str(error.value)
    assert _snapshot(dataset) == before
    assert not [path for path in tmp_path.iterdir() if ".append-" in path.name]


def test_a_pair_failing_the_validation_checks_is_refused(tmp_path, synth):
    dataset = _dataset(tmp_path, synth)
    before = _snapshot(dataset)
    images, labels = _write_pairs(tmp_path / "new", synth, ("b1",), seed=5)
    scaled = synth.to_image((synth.ct_array(5).astype(np.int32) + 1024).astype(np.uint16))
    sitk.WriteImage(scaled, str(images / "b1_0000.nii.gz"))  # stored values, not HU
    with pytest.raises(InvalidInputError) as error:
        append_pairs(images, labels, dataset)
    assert "b1:" in str(error.value) and "nothing was written" in str(error.value)
    assert _snapshot(dataset) == before


def test_unknown_label_values_are_refused_with_the_mapping_hint(tmp_path, synth):
    dataset = _dataset(tmp_path, synth)
    images, labels = _write_pairs(tmp_path / "new", synth, ("b1",), seed=5, values=(1, 12, 13))
    with pytest.raises(InvalidInputError, match="unmapped label value"):
        append_pairs(images, labels, dataset)
    assert read_dataset_json(dataset)["numTraining"] == 2


def test_appending_to_a_folder_without_dataset_json_is_refused(tmp_path, synth):
    images, labels = _write_pairs(tmp_path / "new", synth, ("b1",))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInputError, match="no dataset.json, so not a raw dataset to append to"):
        append_pairs(images, labels, tmp_path / "empty")


def test_a_failed_move_takes_the_moved_files_out_again(tmp_path, synth, monkeypatch):
    dataset = _dataset(tmp_path, synth)
    before = _snapshot(dataset)
    images, labels = _write_pairs(tmp_path / "new", synth, ("b1", "b2"), seed=5)
    import dataset_conversion.pairs_append as module

    real_replace = module.os.replace
    calls = []

    def failing_replace(source, target):
        calls.append(target)
        if len(calls) == 3:  # the first pair moved, the second pair's image fails
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr(module.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        append_pairs(images, labels, dataset)
    assert _snapshot(dataset) == before
