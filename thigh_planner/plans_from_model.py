"""Plans taken from a trained model (``thigh_plan --plans-from MODEL``), and where new data differ from them.

A model's weights only fit data preprocessed with its own plans: the same crop,
spacing, HU window and networks. So a grown dataset (or another site's) that is
to be fine-tuned from a model is planned with that model's plans, unchanged.
The new data are still fingerprinted, and every way in which they lie outside
what the plans assumed is reported as a warning:

* **spacing**: the median voxel spacing of the new scans is coarser than the
  plans' target spacing along an axis (the legs are upsampled; detail the model
  learned is missing);
* **HU**: muscle intensities (0.5-99.5 percentile) reach outside the plans' HU
  window, or their mean differs from the plans' by more than half a standard
  deviation (contrast agent, another scanner calibration);
* **size**: the muscle labels extend beyond the plans' crop along the femur
  (those parts are cut off).

Example:
    >>> plans = model_plans(locate_model("results/Dataset020/2d5"))  # doctest: +SKIP
    >>> plans_mismatches(plans, fingerprint_summary)  # doctest: +SKIP
    ['HU: muscle HU -120..97 (0.5-99.5 %) reach outside the plans' window -60..150 HU']
"""

from __future__ import annotations

from typing import Any

from thigh_common.errors import InvalidInputError
from thigh_common.model_files.locate import ModelLocation
from thigh_planner.plans import PLANS_FILE, Plans, load_plans

COARSER_SPACING_FACTOR = 1.25
"""New data whose median spacing exceeds the target spacing by this factor along an axis are flagged."""
MEAN_SHIFT_IN_STD = 0.5
"""A muscle HU mean this many of the plans' standard deviations away from the plans' mean is flagged."""
AXES = ("x", "y", "z")


def model_plans(location: ModelLocation) -> Plans:
    """The plans of a model's folds, checked to be one and the same.

    Raises:
        InvalidInputError: If the folds were trained with different plans.
    """
    folders = location.fold_folders()
    plans = [load_plans(folder / PLANS_FILE) for folder in folders]
    differing = [folder.name for folder, other in zip(folders, plans, strict=True) if other != plans[0]]
    if differing:
        raise InvalidInputError(
            f"{location.source}: the folds were trained with different plans ({folders[0].name} against "
            f"{', '.join(differing)}); name one fold folder as the model"
        )
    return plans[0]


def _spacing_mismatches(plans: Plans, summary: dict[str, Any]) -> list[str]:
    found = []
    for axis, median, target in zip(AXES, summary["median_spacing_mm"], plans.target_spacing_mm, strict=True):
        if median > target * COARSER_SPACING_FACTOR:
            found.append(
                f"spacing: median {axis} spacing {median:.2f} mm is coarser than the plans' {target:.2f} mm "
                "(legs are upsampled; fine detail the model learned is missing)"
            )
    return found


def _hu_mismatches(plans: Plans, summary: dict[str, Any]) -> list[str]:
    hu = summary["muscle_hu"]
    low, high = plans.window_hu
    found = []
    if hu["p0.5"] < low or hu["p99.5"] > high:
        found.append(
            f"HU: muscle HU {hu['p0.5']:.0f}..{hu['p99.5']:.0f} (0.5-99.5 %) reach outside the plans' "
            f"window {low:.0f}..{high:.0f} HU (values outside are clipped)"
        )
    if abs(hu["mean"] - plans.mean_hu) > MEAN_SHIFT_IN_STD * plans.std_hu:
        found.append(
            f"HU: mean muscle HU {hu['mean']:.0f} differs from the plans' {plans.mean_hu:.0f} by more than "
            f"{MEAN_SHIFT_IN_STD} x their standard deviation {plans.std_hu:.0f} HU (contrast agent, or "
            "another scanner calibration?)"
        )
    return found


def _size_mismatches(plans: Plans, summary: dict[str, Any]) -> list[str]:
    extent = summary.get("label_extent_mm")
    if extent is None:
        return []
    half = plans.field_of_view_mm[2] / 2.0
    low, high = plans.crop_offset_mm - half, plans.crop_offset_mm + half
    distal, proximal = extent
    if distal >= low and proximal <= high:
        return []
    return [
        f"size: muscle labels reach {distal:.0f}..{proximal:.0f} mm along the femur (from the shaft centre), "
        f"the plans' crop holds {low:.0f}..{high:.0f} mm (label parts beyond are cut off)"
    ]


def plans_mismatches(plans: Plans, summary: dict[str, Any]) -> list[str]:
    """Where a dataset's fingerprint summary lies outside what ``plans`` assumed; empty if nowhere.

    Args:
        plans: The model's plans.
        summary: The new dataset's fingerprint summary (``fingerprint.json``'s ``summary``).
    """
    return (
        _spacing_mismatches(plans, summary)
        + _hu_mismatches(plans, summary)
        + _size_mismatches(plans, summary)
    )
