"""``build_plans``: plans from a fingerprint summary, a preset and a memory budget.

Example:
    >>> from thigh_planner.plans import FingerprintSummary
    >>> summary = FingerprintSummary(24, (0.8, 0.8, 2.0), {"0.5": -60.0, "99.5": 140.0}, 50.0, 25.0, 420.0)
    >>> plans = build_plans(summary, "Dataset001_Thigh", preset="paper")
    >>> plans.crop_shape, plans.window_hu
    ((180, 128, 128), (-100.0, 250.0))
"""

from __future__ import annotations

import math
from typing import Any

from thigh_common import __version__
from thigh_planner.normalisation.intensity import NORMALISATIONS
from thigh_planner.plans.errors import PlansError
from thigh_planner.plans.fitting import Fitted, fit_2d, fit_3d
from thigh_planner.plans.geometry import crop_shape_from, neighbour_offset_slices_from
from thigh_planner.plans.overrides import apply_overrides, merge
from thigh_planner.plans.parsing import plans_from_dict
from thigh_planner.plans.presets import Preset, get_preset
from thigh_planner.plans.reader import FieldReader
from thigh_planner.plans.schema import (
    CONFIGURATION_NAMES,
    CONFIGURATION_ORIENTATIONS,
    SCHEMA_VERSION,
    Plans,
    _jsonable,
)
from thigh_planner.plans.summary import FingerprintSummary

INPUT_OVERRIDES: tuple[str, ...] = (
    "field_of_view_mm",
    "crop_offset_mm",
    "target_spacing_mm",
    "window_hu",
    "normalisation",
    "mean_hu",
    "std_hu",
    "neighbour_offset_mm",
)
"""Overrides applied before planning: patches, topologies and batches follow from them."""
LATE_OVERRIDES: tuple[str, ...] = ("dataset_name", "training", "configurations")
"""Overrides merged after planning; ``training`` applies to every configuration."""


def build_plans(
    summary: FingerprintSummary,
    dataset_name: str,
    preset: str = "default",
    gpu_memory_gb: float = 8.0,
    overrides: dict[str, Any] | None = None,
) -> Plans:
    """Plan geometry, intensity handling and the three configurations of a dataset.

    Args:
        summary: Statistics from the dataset fingerprint.
        dataset_name: Name of the dataset (stored in the plans).
        preset: ``"default"`` (derived from the fingerprint, nnU-Net style) or ``"paper"``.
        gpu_memory_gb: GPU memory (GiB) that a training run may use; sets batch sizes and the 3D patch.
        overrides: Nested changes in the layout of ``plans.json``. The keys of
            :data:`INPUT_OVERRIDES` are applied before planning (so ``target_spacing_mm`` changes the
            crop, patches and topologies); ``training`` is merged into every configuration's
            training and ``configurations`` into the planned configurations.

    Returns:
        Validated plans.

    Raises:
        PlansError: For an invalid summary, preset, budget or override.
    """
    summary.validate()
    chosen = get_preset(preset)
    budget_is_number = isinstance(gpu_memory_gb, (int, float)) and not isinstance(gpu_memory_gb, bool)
    if not budget_is_number or not math.isfinite(gpu_memory_gb) or gpu_memory_gb <= 0:
        raise PlansError(f"gpu_memory_gb: expected a number > 0 (GiB of GPU memory), found {gpu_memory_gb!r}")
    early, late = _split_overrides(overrides or {})
    content = _plan(summary, dataset_name, chosen, float(gpu_memory_gb), early)
    plans = plans_from_dict(content, source="planned plans")
    if late:
        plans = apply_overrides(plans, _spread_training(late, tuple(plans.configurations)))
    return plans


def _spread_training(late: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """Move a top-level ``training`` override into every configuration, under their own overrides."""
    if not isinstance(late.get("configurations", {}), dict):
        found = type(late["configurations"]).__name__
        raise PlansError(
            f"overrides.configurations: expected an object keyed by configuration, found {found}"
        )
    if "training" not in late:
        return late
    late = dict(late)
    training = late.pop("training")
    per_config = dict(late.get("configurations", {}))
    for name in names:
        specific = per_config.get(name, {})
        if isinstance(specific, dict):  # anything else is left for validation to report
            per_config[name] = merge({"training": training}, specific)
    late["configurations"] = per_config
    return late


def _split_overrides(overrides: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    if not isinstance(overrides, dict):
        raise PlansError(
            f"overrides: expected an object in the layout of plans.json, found {type(overrides).__name__}"
        )
    unknown = sorted(set(overrides) - set(INPUT_OVERRIDES) - set(LATE_OVERRIDES))
    if unknown:
        raise PlansError(
            f"overrides: cannot override {', '.join(unknown)}; expected keys among "
            f"{', '.join(INPUT_OVERRIDES + LATE_OVERRIDES)} (crop_shape and neighbour_offset_slices are derived)"
        )
    reader = FieldReader()
    reader.numbers(overrides, "field_of_view_mm", "overrides", 3, 0.0, exclusive=True)
    reader.numbers(overrides, "target_spacing_mm", "overrides", 3, 0.0, exclusive=True)
    reader.number(overrides, "crop_offset_mm", "overrides")
    window = reader.numbers(overrides, "window_hu", "overrides", 2)
    if window is not None and not window[0] < window[1]:
        reader.problem("overrides.window_hu", f"expected low < high, found {list(window)}")
    reader.string(overrides, "normalisation", "overrides", NORMALISATIONS)
    reader.number(overrides, "mean_hu", "overrides")
    reader.number(overrides, "std_hu", "overrides", 0.0, exclusive=True)
    reader.number(overrides, "neighbour_offset_mm", "overrides", 0.0, exclusive=True)
    if reader.problems:
        raise PlansError("invalid overrides:\n" + "\n".join(f"  - {problem}" for problem in reader.problems))
    early = {key: overrides[key] for key in INPUT_OVERRIDES if key in overrides}
    late = {key: _jsonable(overrides[key]) for key in LATE_OVERRIDES if key in overrides}
    return early, late


def target_spacing(summary: FingerprintSummary, preset: Preset) -> tuple[float, float, float]:
    """Return the preset's fixed spacing, else ``max(floor, median spacing)`` per axis (x, y, z)."""
    if preset.target_spacing_mm is not None:
        return preset.target_spacing_mm
    floor_and_median = zip(preset.spacing_floor_mm, summary.median_spacing_mm, strict=True)
    return tuple(round(max(floor, float(median)), 2) for floor, median in floor_and_median)  # type: ignore[return-value]


def field_of_view(summary: FingerprintSummary, preset: Preset) -> tuple[tuple[float, float, float], float]:
    """Return the crop's field of view (x, y, z) and its offset along the femur from the shaft centre.

    With ``preset.fit_extent_to_labels`` and a known label extent, the crop's length along the
    femur covers the labels of every leg plus a margin at each end, rounded up, and its centre
    moves to the middle of that extent (positive: proximal). Otherwise the preset's field of
    view, centred on the shaft.
    """
    if not preset.fit_extent_to_labels or summary.label_extent_mm is None:
        return preset.field_of_view_mm, 0.0
    distal, proximal = summary.label_extent_mm
    step = preset.extent_rounding_mm
    length = math.ceil((proximal - distal + 2 * preset.extent_margin_mm) / step) * step
    x, y, _ = preset.field_of_view_mm
    return (x, y, float(length)), float(round((proximal + distal) / 2.0, 1))


def fingerprint_window(summary: FingerprintSummary, preset: Preset) -> tuple[float, float]:
    """Return ``[p0.5 - margin, p99.5 + margin]`` of muscle HU, rounded outward to the preset's step."""
    step, margin = preset.window_rounding_hu, preset.window_margin_hu
    low = math.floor((summary.muscle_hu_percentiles["0.5"] - margin) / step) * step
    high = math.ceil((summary.muscle_hu_percentiles["99.5"] + margin) / step) * step
    return float(low), float(high)


def _plan(
    summary: FingerprintSummary, dataset_name: str, preset: Preset, budget_gb: float, early: dict[str, Any]
) -> dict[str, Any]:
    planned_view, planned_offset = field_of_view(summary, preset)
    field_of_view_mm = tuple(float(v) for v in early.get("field_of_view_mm", planned_view))
    crop_offset = float(early.get("crop_offset_mm", planned_offset))
    spacing = tuple(float(v) for v in early.get("target_spacing_mm", target_spacing(summary, preset)))
    offset_mm = float(early.get("neighbour_offset_mm", preset.neighbour_offset_mm))
    crop_shape = crop_shape_from(field_of_view_mm, spacing)
    if "window_hu" in early:
        window, source = tuple(float(v) for v in early["window_hu"]), "override"
    elif preset.window_hu is not None:
        window, source = preset.window_hu, "paper"
    else:
        window, source = fingerprint_window(summary, preset), "fingerprint"
    num_legs = 2 * summary.num_cases
    configurations = {}
    for name in CONFIGURATION_NAMES:
        orientations = CONFIGURATION_ORIENTATIONS[name]
        if orientations:
            fitted = fit_2d(preset, crop_shape, orientations, budget_gb, num_legs)
        else:
            fitted = fit_3d(preset, crop_shape, budget_gb, num_legs)
        configurations[name] = _configuration(orientations, fitted, preset)
    return _jsonable(
        {
            "schema_version": SCHEMA_VERSION,
            "dataset_name": dataset_name,
            "preset": preset.name,
            "thighseg_version": __version__,
            "field_of_view_mm": field_of_view_mm,
            "crop_offset_mm": crop_offset,
            "target_spacing_mm": spacing,
            "crop_shape": crop_shape,
            "window_hu": window,
            "window_source": source,
            "normalisation": early.get("normalisation", preset.normalisation),
            "mean_hu": float(early.get("mean_hu", summary.muscle_hu_mean)),
            "std_hu": float(early.get("std_hu", summary.muscle_hu_std)),
            "neighbour_offset_mm": offset_mm,
            "num_input_channels": 3,
            "neighbour_offset_slices": neighbour_offset_slices_from(offset_mm, spacing),
            "gpu_memory_gb": budget_gb,
            "configurations": configurations,
        }
    )


def _configuration(orientations: tuple[str, ...], fitted: Fitted, preset: Preset) -> dict[str, Any]:
    import dataclasses

    return {
        "orientations": orientations,
        "network": dataclasses.asdict(fitted.network),
        "patch_size": fitted.patches,
        "batch_size": fitted.batch_size,
        "estimated_memory_gb": fitted.estimated_memory_gb,
        "training": dataclasses.asdict(preset.training),
    }
