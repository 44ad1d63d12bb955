"""The thigh detector on each clinical condition of the phantom: both thighs, on their true sides.

The same subject (seed, index) is rendered clean and with each condition; the detector must
find both legs on their true sides, never take an arm or a lower leg for a thigh, keep its
axis close to the clean scan's, and report the cut end of a thigh cut by the field of view.
``benchmarks/bench_robustness.py`` measures the same at small size on several subjects,
with segmentation (``documentation/robustness.md``).
"""

import numpy as np
import pytest

from dataset_conversion.phantom.case import generate_case
from thigh_planner.detection.thigh_detector import detect_thighs

SEED, INDEX = 3000, 0
WHOLE_BODY_AT_4_MM = pytest.param(
    "whole-body",
    marks=pytest.mark.xfail(
        strict=True,
        reason="open defect (documentation/robustness.md): at the tiny phantom's 4 mm voxels the longest "
        "shaft-like track of the right leg is the tibia, which the detector takes for the femur; "
        "at small size (2 mm) every whole-body thigh is found",
    ),
)
CONDITIONS = [
    "arms",
    "metal",
    WHOLE_BODY_AT_4_MM,
    "circle",
    "truncation=distal",
    "truncation=proximal",
    "truncation=x",
    "thick-slices",
    "low-dose",
    "knee=bent",
    "whole-body,knee=crossed",
]


@pytest.fixture(scope="module")
def clean():
    case = generate_case(SEED, INDEX, "tiny")
    return case, detect_thighs(case.image, source="clean")


def _axis_distance(point, centre, direction):
    offset = np.asarray(point) - np.asarray(centre)
    direction = np.asarray(direction)
    return float(np.linalg.norm(offset - offset @ direction * direction))


@pytest.mark.parametrize("condition", CONDITIONS)
def test_both_thighs_are_found_on_their_sides(condition, clean):
    case = generate_case(SEED, INDEX, "tiny", conditions=[condition])
    detection = detect_thighs(case.image, source=condition)
    assert set(detection.legs) == {"left", "right"}, "an arm, a lower leg or nothing taken for a thigh"
    clean_case, clean_detection = clean
    for side, leg in detection.legs.items():
        head_x = case.truth["legs"][side]["femoral_head_centre_mm"][0]
        assert np.sign(leg.center_mm[0]) == np.sign(head_x), f"{side} leg found on the other side"
        reference = clean_detection.legs[side]
        assert _axis_distance(leg.center_mm, reference.center_mm, reference.axis_direction) < 10.0
        angle = np.degrees(
            np.arccos(min(1.0, abs(float(np.dot(leg.axis_direction, reference.axis_direction)))))
        )
        assert angle < 5.0
    if condition in ("truncation=distal", "truncation=proximal"):
        cut = "proximal" if condition == "truncation=distal" else "distal"  # the value names the part kept
        for leg in detection.legs.values():
            assert cut in leg.cut_ends and leg.missing_mm > 50.0
