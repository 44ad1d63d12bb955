import numpy as np
import SimpleITK as sitk

from thigh_common.image_io import read_image
from thigh_common.labels import MUSCLE_LABELS, NUM_CLASSES
from thigh_planner.fingerprint import fingerprint_case, summarise_fingerprints
from thigh_planner.normalisation.resampling import labels_to_original, paste_region
from thigh_planner.planning_run import summary_for_plans
from thigh_planner.plans import build_plans
from thigh_planner.preprocess_case import preprocess_scan

CASES = ("phantom_000", "phantom_001")


def _round_trip_dice(folder, case, plans):
    image = read_image(folder / "imagesTr" / f"{case}_0000.nii.gz")
    labels = read_image(folder / "labelsTr" / f"{case}.nii.gz")
    back = np.zeros(sitk.GetArrayViewFromImage(labels).shape, np.uint8)
    for record, _, crop_labels, air in preprocess_scan(image, plans, case, labels=labels):
        assert air.any() and not air[crop_labels > 0].any(), "air around the leg, never under a muscle"
        region, leg_labels = labels_to_original(
            crop_labels, record.frame, labels, NUM_CLASSES, record.midline
        )
        paste_region(back, region, leg_labels)
    original = sitk.GetArrayFromImage(labels)
    return [
        2
        * np.sum((original == label) & (back == label))
        / (np.sum(original == label) + np.sum(back == label))
        for label in MUSCLE_LABELS
    ]


def test_labels_survive_preprocessing_and_the_way_back(small_dataset):
    """Round trip on small phantom cases with the default plans: mean Dice >= 0.95, none under 0.90."""
    results = [
        fingerprint_case(
            case,
            small_dataset / "imagesTr" / f"{case}_0000.nii.gz",
            small_dataset / "labelsTr" / f"{case}.nii.gz",
        )
        for case in CASES
    ]
    summary = summarise_fingerprints([r[0] for r in results], np.concatenate([r[1] for r in results]))
    plans = build_plans(summary_for_plans(summary), "Small")
    assert plans.field_of_view_mm[2] > 360, "the crop is fitted to the labels' extent along the femur"
    for case in CASES:
        dice = _round_trip_dice(small_dataset, case, plans)
        assert np.mean(dice) >= 0.95, (case, np.round(dice, 3))
        assert min(dice) >= 0.90, (case, np.round(dice, 3))
