"""``thigh_evaluate`` on tiny phantom scans written by ``thigh_synth``, checked against independent code.

The leg masks here are built with ``thigh_common.geometry.index_to_world`` (not the evaluation's
own world-x function) and scored with medpy.
"""

import shutil

import numpy as np
import pytest
import SimpleITK as sitk
from medpy.metric import binary
from scipy import ndimage
from support.phantom_datasets import synthesise, truth

from thigh_common.geometry import index_to_world
from thigh_common.labels import LABELS, MUSCLE_LABELS
from thigh_evaluation.cli import main
from thigh_evaluation.metrics_table import read_metrics_csv


@pytest.fixture(scope="module")
def phantoms(tmp_path_factory):
    """Case 0 stored as LPS, case 1 flipped like a RAS scan (both legs); case 2 the left leg only, flipped."""
    root = tmp_path_factory.mktemp("phantoms")
    synthesise(root / "both", "-n", "2", "--size", "tiny", "--directions", "mixed")
    synthesise(root / "left", "-n", "1", "--size", "tiny", "--legs", "left", "--directions", "flip",
               "--start-index", "2")  # fmt: skip
    references = root / "labelsTr"
    references.mkdir()
    for dataset in ("both", "left"):
        for path in (root / dataset / "labelsTr").glob("*.nii.gz"):
            shutil.copy(path, references / path.name)
    return root


def test_each_scan_against_itself_is_perfect_and_its_legs_are_the_phantoms(phantoms, tmp_path):
    out = tmp_path / "self"
    assert main(["-r", str(phantoms / "labelsTr"), "-p", str(phantoms / "labelsTr"), "-o", str(out)]) == 0
    metrics = read_metrics_csv(out / "metrics.csv")
    present = metrics[metrics["status"] == "present"]
    assert len(present) == (2 * 2 + 1) * 14
    assert (
        (present["dice"] == 1.0).all()
        and (present["asd_mm"] == 0.0).all()
        and (present["hd95_mm"] == 0.0).all()
    )
    assert (present["volume_diff_ml"] == 0.0).all()
    legs = metrics.groupby("case")["leg"].unique().apply(list).to_dict()
    assert legs == {
        "phantom_000": ["right", "left"],
        "phantom_001": ["right", "left"],
        "phantom_002": ["left"],
    }
    assert [truth(phantoms / "both", f"phantom_00{k}")["legs_in_view"] for k in (0, 1)] == ["both", "both"]
    assert truth(phantoms / "left", "phantom_002")["legs_in_view"] == "left"


def _perturbed(labels):
    """Erode the vastus lateralis, move the biceps femoris one voxel, drop the gracilis."""
    out = labels.copy()
    vastus = labels == 3
    out[vastus & ~ndimage.binary_erosion(vastus)] = 0
    biceps = labels == 8
    out[biceps] = 0
    out[np.roll(biceps, 1, axis=2) & (out == 0)] = 8
    out[labels == 7] = 0
    return out


def test_metrics_on_a_flipped_scan_match_medpy_on_independently_split_legs(phantoms, tmp_path):
    case = "phantom_001"
    reference_image = sitk.ReadImage(str(phantoms / "labelsTr" / f"{case}.nii.gz"))
    assert reference_image.GetDirection()[0] == -1.0  # stored flipped: index x grows towards patient right
    reference = sitk.GetArrayFromImage(reference_image)
    prediction = _perturbed(reference)
    predicted_image = sitk.GetImageFromArray(prediction)
    predicted_image.CopyInformation(reference_image)
    predictions = tmp_path / "pred"
    predictions.mkdir()
    sitk.WriteImage(predicted_image, str(predictions / f"{case}.nii.gz"))
    out = tmp_path / "eval"
    assert main(["-r", str(phantoms / "labelsTr"), "-p", str(predictions), "-o", str(out)]) == 0
    metrics = read_metrics_csv(out / "metrics.csv")
    assert set(metrics["case"]) == {case}

    # independent leg split: world x of every voxel centre from thigh_common.geometry
    midline = (truth(phantoms / "both", case)["legs"]["left"]["femoral_head_centre_mm"][0]
               + truth(phantoms / "both", case)["legs"]["right"]["femoral_head_centre_mm"][0]) / 2  # fmt: skip
    z, y, x = np.indices(reference.shape)
    world_x = index_to_world(reference_image, np.stack([x.ravel(), y.ravel(), z.ravel()], axis=1))[:, 0]
    is_left = (world_x > midline).reshape(reference.shape)
    spacing_zyx = reference_image.GetSpacing()[::-1]
    voxel_ml = float(np.prod(spacing_zyx)) / 1000
    for leg, side in (("left", is_left), ("right", ~is_left)):
        rows = metrics[(metrics["leg"] == leg) & (metrics["kind"] == "class")].set_index("label")
        for label in MUSCLE_LABELS:
            row = rows.loc[label]
            assert row["structure"] == LABELS[label]
            expected, predicted = (reference == label) & side, (prediction == label) & side
            assert row["volume_ref_ml"] == pytest.approx(expected.sum() * voxel_ml, abs=1e-6)
            assert row["volume_pred_ml"] == pytest.approx(predicted.sum() * voxel_ml, abs=1e-6)
            if label == 7:
                assert (row["status"], row["dice"]) == ("missing_in_prediction", 0.0)
                assert np.isnan(row["asd_mm"]) and row["volume_diff_pct"] == pytest.approx(-100.0)
                continue
            assert row["status"] == "present"
            assert row["dice"] == pytest.approx(binary.dc(predicted, expected), abs=1e-6)
            if label in (3, 8):  # the perturbed ones (the others are identical: 0 mm)
                assert row["asd_mm"] == pytest.approx(binary.assd(predicted, expected, spacing_zyx), abs=0.05)
                assert row["hd95_mm"] == pytest.approx(
                    binary.hd95(predicted, expected, spacing_zyx), abs=0.05
                )
                assert row["dice"] < 1.0
            else:
                assert (row["dice"], row["asd_mm"], row["hd95_mm"]) == (1.0, 0.0, 0.0)
