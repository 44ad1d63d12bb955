"""Per case, leg and structure metrics on the hand-made scene of ``support.label_maps``."""

import logging
import math
from dataclasses import asdict

import numpy as np
import pytest
import SimpleITK as sitk
from medpy.metric import binary
from support.label_maps import VOXEL_ML, flipped_x, labels_image, scene, write_labels

from thigh_common.errors import InvalidInputError
from thigh_evaluation.case_metrics import STRUCTURES, evaluate_case

SPACING_ZYX = (3.0, 1.5, 2.0)


def _write(tmp_path, reference, prediction, transform=lambda image: image):
    return (
        write_labels(transform(labels_image(reference)), tmp_path / "ref" / "c.nii.gz"),
        write_labels(transform(labels_image(prediction)), tmp_path / "pred" / "c.nii.gz"),
    )


def _rows(result):
    return {(s.leg, s.kind, s.structure): s for s in result.scores}


@pytest.fixture
def scene_result(tmp_path):
    return evaluate_case("c", *_write(tmp_path, *scene()))


def test_rows_cover_every_leg_and_structure_in_order(scene_result):
    assert scene_result.legs.legs == ("right", "left")
    assert [(s.leg, s.structure) for s in scene_result.scores] == [
        (leg, structure.name) for leg in ("right", "left") for structure in STRUCTURES
    ]
    assert [s.label for s in scene_result.scores[:14]] == [*range(1, 11), None, None, None, None]
    assert {s.case for s in scene_result.scores} == {"c"}


def test_known_dice_volumes_and_statuses(scene_result):
    rows = _rows(scene_result)
    vastus = rows[("right", "class", "vastus_lateralis")]
    assert vastus.status == "present"
    assert vastus.dice == pytest.approx(2 * 48 / (64 + 48))
    assert vastus.volume_ref_ml == pytest.approx(64 * VOXEL_ML)
    assert vastus.volume_pred_ml == pytest.approx(48 * VOXEL_ML)
    assert vastus.volume_diff_ml == pytest.approx(-16 * VOXEL_ML)
    assert vastus.volume_diff_pct == pytest.approx(-25.0)
    reference, prediction = scene()
    expected_asd = binary.assd(
        prediction[:, :, :20] == 3, reference[:, :, :20] == 3, voxelspacing=SPACING_ZYX
    )
    expected_hd95 = binary.hd95(
        prediction[:, :, :20] == 3, reference[:, :, :20] == 3, voxelspacing=SPACING_ZYX
    )
    assert vastus.asd_mm == pytest.approx(expected_asd)
    assert vastus.hd95_mm == pytest.approx(expected_hd95)
    adductors = rows[("right", "class", "adductors")]
    assert (adductors.status, adductors.dice, adductors.asd_mm, adductors.hd95_mm) == (
        "present",
        1.0,
        0.0,
        0.0,
    )
    assert adductors.volume_diff_ml == 0.0 and adductors.volume_diff_pct == 0.0


def test_missing_and_absent_structures_are_not_scored_as_0_or_1(scene_result):
    rows = _rows(scene_result)
    sartorius = rows[("right", "class", "sartorius")]
    assert (sartorius.status, sartorius.dice) == ("missing_in_prediction", 0.0)
    assert math.isnan(sartorius.asd_mm) and math.isnan(sartorius.hd95_mm)
    assert sartorius.volume_diff_ml == pytest.approx(-32 * VOXEL_ML) and sartorius.volume_diff_pct == -100.0
    extra = rows[("left", "class", "semitendinosus")]
    assert (extra.status, extra.dice, extra.volume_ref_ml) == ("missing_in_reference", 0.0, 0.0)
    assert extra.volume_pred_ml == pytest.approx(16 * VOXEL_ML) and math.isnan(extra.volume_diff_pct)
    assert math.isnan(extra.asd_mm) and math.isnan(extra.hd95_mm)
    for leg in ("right", "left"):
        absent = rows[(leg, "class", "semimembranosus")]
        assert absent.status == "absent_in_both"
        assert all(math.isnan(v) for v in (absent.dice, absent.asd_mm, absent.hd95_mm, absent.volume_diff_ml,
                                           absent.volume_diff_pct))  # fmt: skip
        assert (absent.volume_ref_ml, absent.volume_pred_ml) == (0.0, 0.0)


def test_groups_are_scored_on_the_union_of_their_labels(scene_result):
    rows = _rows(scene_result)
    assert rows[("right", "group", "quadriceps")].dice == pytest.approx(2 * 48 / 112)
    assert rows[("right", "group", "medial_compartment")].dice == 1.0
    assert rows[("right", "group", "sartorius")].status == "missing_in_prediction"
    assert rows[("right", "group", "posterior_compartment")].status == "absent_in_both"
    assert rows[("left", "group", "posterior_compartment")].status == "missing_in_reference"
    assert rows[("left", "group", "quadriceps")].volume_ref_ml == pytest.approx(64 * VOXEL_ML)


def test_a_flipped_direction_matrix_gives_the_same_legs(tmp_path, scene_result):
    # stored with direction diag(-1, 1, 1): the left leg now sits at the LOW array indices
    flipped = evaluate_case("c", *_write(tmp_path, *scene(), transform=flipped_x))
    stored = sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / "ref" / "c.nii.gz")))
    assert (stored[:, :, :20] > 0).sum() == 128 and (stored[:, :, :20] == 6).sum() == 64  # the left leg's
    assert flipped.legs.legs == ("right", "left")
    for original, mirrored in zip(scene_result.scores, flipped.scores, strict=True):
        assert asdict(original).keys() == asdict(mirrored).keys()
        for key, value in asdict(original).items():
            other = asdict(mirrored)[key]
            assert (
                isinstance(value, float) and math.isnan(value) and math.isnan(other)
            ) or other == pytest.approx(value), key


def test_a_permuted_orientation_gives_the_same_metrics(tmp_path, scene_result):
    result = evaluate_case(
        "c", *_write(tmp_path, *scene(), transform=lambda image: sitk.DICOMOrient(image, "SAR"))
    )
    assert [s.dice for s in result.scores] == pytest.approx(
        [s.dice for s in scene_result.scores], nan_ok=True
    )
    assert [s.hd95_mm for s in result.scores] == pytest.approx(
        [s.hd95_mm for s in scene_result.scores], nan_ok=True
    )


@pytest.mark.parametrize(("transform", "name"), [(lambda image: image, "identity"), (flipped_x, "flipped")])
def test_one_leg_is_named_by_anatomy(tmp_path, transform, name):
    reference, prediction = scene()
    reference[:, :, :20] = 0  # keep the left leg only
    prediction[:, :, :20] = 0
    prediction[:, 0, 0] = 2  # a stray prediction far away still belongs to the one leg
    result = evaluate_case("c", *_write(tmp_path, reference, prediction, transform))
    assert result.legs.legs == ("left",)
    assert result.legs.midline is None
    rows = _rows(result)
    assert len(result.scores) == len(STRUCTURES)
    assert rows[("left", "class", "rectus_femoris")].status == "missing_in_reference"
    assert rows[("left", "class", "vastus_lateralis")].dice == 1.0


def test_a_prediction_on_another_grid_is_refused_with_the_difference(tmp_path):
    reference, prediction = scene()
    reference_path = write_labels(labels_image(reference), tmp_path / "ref" / "c.nii.gz")
    moved = labels_image(prediction, origin_xyz=(-40.0, 10.0, 103.0), spacing_xyz=(2.0, 1.5, 2.5))
    prediction_path = write_labels(moved, tmp_path / "pred" / "c.nii.gz")
    with pytest.raises(InvalidInputError) as error:
        evaluate_case("c", reference_path, prediction_path)
    assert str(error.value) == (
        f"c: the prediction {prediction_path} is not on the grid of the reference {reference_path} "
        "(spacing (2.0, 1.5, 2.5) != (2.0, 1.5, 3.0); origin (-40.0, 10.0, 103.0) != (-40.0, 10.0, 100.0), "
        "prediction != reference). Predict the scan of this reference (thigh_predict writes labels on the "
        "scan's grid), or resample the prediction onto the reference grid with nearest-neighbour interpolation"
    )
    cropped = write_labels(labels_image(prediction[:, :, :30]), tmp_path / "pred" / "d.nii.gz")
    with pytest.raises(InvalidInputError, match=r"size \(30, 8, 4\) != \(40, 8, 4\)"):
        evaluate_case("d", reference_path, cropped)


def test_values_outside_the_label_table_are_ignored_with_a_warning(tmp_path, caplog, scene_result):
    reference, prediction = scene()
    prediction = prediction.astype(np.int16)
    prediction[0, 7, 39] = 255
    prediction[0, 7, 38] = -1
    paths = _write(tmp_path, reference, prediction)
    with caplog.at_level(logging.WARNING):
        result = evaluate_case("c", *paths)
    assert (
        f"c: {paths[1]} holds 2 voxel(s) with values outside 0-10 (e.g. -1); they are treated as background"
        in (caplog.text)
    )
    assert [s.dice for s in result.scores] == pytest.approx(
        [s.dice for s in scene_result.scores], nan_ok=True
    )


def test_non_integer_labels_and_2d_images_are_refused(tmp_path):
    reference, prediction = scene()
    paths = _write(tmp_path, reference, prediction.astype(np.float32) * 0.5)
    with pytest.raises(InvalidInputError) as error:
        evaluate_case("c", *paths)
    assert str(error.value) == (
        f"c: {paths[1]} holds non-integer values (e.g. 1.5); expected integer labels 0-10 (was a probability "
        "map or a resampled label map given?)"
    )
    flat = write_labels(sitk.GetImageFromArray(reference[0]), tmp_path / "flat" / "c.nii.gz")
    with pytest.raises(InvalidInputError) as error:
        evaluate_case("c", flat, flat)
    assert str(error.value) == (
        f"c: {flat} is a 2D image with 1 component(s) per voxel; expected a 3D label map with one integer label "
        "per voxel"
    )
