"""The fingerprint of a raw dataset: what the planner needs to know about every case.

Per case: grid (size, spacing, direction), the thighs found (range per leg,
femoral shaft length and angle), HU statistics inside the muscle labels and
the volume of every class per leg. Per dataset: medians and the muscle HU
percentiles that set the default window.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk

from thigh_common.image_io import read_image
from thigh_common.labels import LABELS, MUSCLE_LABELS
from thigh_planner.detection.thigh_detector import ThighDetection, detect_thighs
from thigh_planner.normalisation.grid_region import GridRegion, plane_distance_on_grid

logger = logging.getLogger(__name__)

HU_SAMPLES_PER_CASE = 20000
EXTENT_SAMPLES = 2_000_000
EXTENT_PERCENTILES = (0.1, 99.9)
EXTENT_COVERAGE_PERCENTILE = 95.0
"""The dataset's label extent covers this percentile of the legs at each end (robust to one bad leg)."""
PERCENTILES = (0.5, 50.0, 99.5)


def _side_masks(
    labels: sitk.Image, detection: ThighDetection, slice_index: int
) -> dict[str, np.ndarray | None]:
    """Masks ``(y, x)`` of each leg's side of the midline in one axial array slice."""
    sides = list(detection.legs)
    if detection.midline is None:
        return {sides[0]: None}
    size = labels.GetSize()
    region = GridRegion((0, 0, slice_index), (size[0], size[1], 1))
    distance = plane_distance_on_grid(
        labels, region, np.asarray(detection.midline.point_mm), np.asarray(detection.midline.normal)
    )[0]
    return {"left": distance >= 0, "right": distance < 0}


def _label_statistics(
    image: sitk.Image, labels: sitk.Image, detection: ThighDetection, rng: np.random.Generator
) -> tuple[dict[str, dict[str, float]], np.ndarray]:
    """Class volumes (mL) per leg and a sample of muscle HU values, slice by slice."""
    voxel_ml = float(np.prod(labels.GetSpacing())) / 1000.0
    label_array = sitk.GetArrayViewFromImage(labels)
    image_array = sitk.GetArrayViewFromImage(image)
    counts = {side: np.zeros(len(LABELS), dtype=np.int64) for side in detection.legs}
    hu_values: list[np.ndarray] = []
    for k in range(label_array.shape[0]):
        label_slice = label_array[k]
        if not label_slice.any():
            continue
        for side, mask in _side_masks(labels, detection, k).items():
            selected = label_slice if mask is None else label_slice[mask]
            counts[side] += np.bincount(selected.ravel(), minlength=len(LABELS))[: len(LABELS)]
        hu_values.append(image_array[k][label_slice > 0].astype(np.float32))
    muscle_hu = np.concatenate(hu_values) if hu_values else np.zeros(0, np.float32)
    if muscle_hu.size > HU_SAMPLES_PER_CASE:
        muscle_hu = rng.choice(muscle_hu, HU_SAMPLES_PER_CASE, replace=False)
    volumes = {
        side: {LABELS[label]: float(count[label] * voxel_ml) for label in MUSCLE_LABELS}
        for side, count in counts.items()
    }
    return volumes, muscle_hu


def label_extent_along_femur(labels: sitk.Image, detection: ThighDetection) -> dict[str, list[float]]:
    """Per leg, the extent (distal, proximal) of its muscle labels along its femur axis.

    Distances are in mm from the leg's crop centre (the shaft centre), positive proximal; the
    0.1 and 99.9 percentiles of a regular subsample of the label voxels keep stray voxels out.
    """
    array = sitk.GetArrayViewFromImage(labels)
    step = max(1, int(np.ceil((np.count_nonzero(array) / EXTENT_SAMPLES) ** (1 / 3))))
    indices_zyx = np.argwhere(array[::step, ::step, ::step] > 0) * step
    if indices_zyx.size == 0:
        return {}
    indices_xyz = indices_zyx[:, ::-1].astype(float)
    direction = np.asarray(labels.GetDirection(), dtype=float).reshape(3, 3)
    world = np.asarray(labels.GetOrigin()) + (indices_xyz * np.asarray(labels.GetSpacing())) @ direction.T
    if detection.midline is None:
        sides = {side: np.ones(len(world), bool) for side in detection.legs}
    else:
        on_left = detection.midline.signed_distance(world) >= 0
        sides = {"left": on_left, "right": ~on_left}
    extents = {}
    for side, leg in detection.legs.items():
        along = (world[sides[side]] - np.asarray(leg.center_mm)) @ np.asarray(leg.axis_direction)
        if along.size:
            extents[side] = [float(v) for v in np.percentile(along, EXTENT_PERCENTILES)]
    return extents


def fingerprint_case(
    case_id: str,
    image_path: Path,
    label_path: Path,
    expected_shaft_length_mm: float = 300.0,
    seed: int = 0,
) -> tuple[dict[str, Any], np.ndarray]:
    """Fingerprint one case.

    Args:
        case_id: The case's name.
        image_path: Its CT image.
        label_path: Its label map (same grid).
        expected_shaft_length_mm: Passed to the thigh detector.
        seed: Seed of the muscle HU subsample.

    Returns:
        The case's fingerprint (JSON types) and a sample of muscle HU values.

    Raises:
        NoThighFoundError: If the scan holds no thigh.
    """
    image = read_image(image_path)
    labels = read_image(label_path)
    detection = detect_thighs(image, expected_shaft_length_mm, source=f"case {case_id}")
    rng = np.random.default_rng([seed, sum(case_id.encode())])
    volumes, muscle_hu = _label_statistics(image, labels, detection, rng)
    statistics = {
        "mean": float(muscle_hu.mean()) if muscle_hu.size else float("nan"),
        "std": float(muscle_hu.std()) if muscle_hu.size else float("nan"),
    }
    statistics.update(
        {
            f"p{p:g}": float(np.percentile(muscle_hu, p)) if muscle_hu.size else float("nan")
            for p in PERCENTILES
        }
    )
    fingerprint = {
        "case_id": case_id,
        "size_xyz": list(image.GetSize()),
        "spacing_mm": list(image.GetSpacing()),
        "direction": list(image.GetDirection()),
        "detection": detection.to_dict(),
        "muscle_hu": statistics,
        "class_volumes_ml": volumes,
        "label_extent_mm": label_extent_along_femur(labels, detection),
    }
    return fingerprint, muscle_hu


def summarise_fingerprints(cases: list[dict[str, Any]], muscle_hu: np.ndarray) -> dict[str, Any]:
    """Dataset-level figures from the case fingerprints and the pooled muscle HU sample."""
    spacings = np.asarray([case["spacing_mm"] for case in cases], dtype=float)
    shafts = [
        leg["shaft_length_mm"]
        for case in cases
        for leg in case["detection"]["legs"].values()
        if not leg["cut_ends"]
    ]
    angles = [leg["femur_angle_deg"] for case in cases for leg in case["detection"]["legs"].values()]
    complete_extents = [
        extent
        for case in cases
        for side, extent in case["label_extent_mm"].items()
        if not case["detection"]["legs"][side]["cut_ends"]
    ]
    return {
        "num_cases": len(cases),
        "num_legs": sum(len(case["detection"]["legs"]) for case in cases),
        "median_spacing_mm": [float(v) for v in np.median(spacings, axis=0)],
        "median_femur_shaft_length_mm": float(np.median(shafts)) if shafts else None,
        "femur_angle_deg_range": [float(min(angles)), float(max(angles))] if angles else None,
        "label_extent_mm": (
            [
                float(np.percentile([e[0] for e in complete_extents], 100 - EXTENT_COVERAGE_PERCENTILE)),
                float(np.percentile([e[1] for e in complete_extents], EXTENT_COVERAGE_PERCENTILE)),
            ]
            if complete_extents
            else None
        ),
        "muscle_hu": {
            "mean": float(muscle_hu.mean()),
            "std": float(muscle_hu.std()),
            **{f"p{p:g}": float(np.percentile(muscle_hu, p)) for p in PERCENTILES},
        },
    }
