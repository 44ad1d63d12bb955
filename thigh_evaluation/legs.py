"""Which leg each labelled voxel belongs to: the side of a midline plane found from the reference labels.

The plane is found by the rule of "Legs" in ``documentation/thigh_evaluate.md``; the side of each voxel is
then that of :mod:`thigh_inference.leg_sides`, the rule of ``thigh_predict``'s muscle tables. The legs are
encoded in the label values (right: label, left: label + :data:`LEFT_CODE_OFFSET`) for one ``find_objects``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk

from thigh_common.errors import InvalidInputError
from thigh_common.labels import LABELS, NUM_CLASSES
from thigh_inference.leg_sides import SIDES, left_of_plane, plane_distance, voxel_sides
from thigh_planner.normalisation.midline import MidlinePlane

logger = logging.getLogger(__name__)

BIN_MM = 2.0
MIN_GAP_MM = 10.0  # an empty run at least this wide separates two legs
WIDE_ONE_LEG_MM = 250.0  # labels wider than this without a gap are two touching legs (a thigh is narrower)
LEFT_CODE_OFFSET = NUM_CLASSES  # left-leg voxels carry label + LEFT_CODE_OFFSET (12..21) in the encoded maps
RIGHT, LEFT = SIDES
SIDE_MARKERS = (((3,), (6,)), ((3, 8), (5, 6, 7)))  # (lateral, medial) labels, tried in turn
WORLD_X = MidlinePlane((0.0, 0.0, 0.0), (1.0, 0.0, 0.0))  # the signed distance to this plane is world x


@dataclass(frozen=True)
class Legs:
    """The legs present (right before left), the midline plane between two (None for one leg), and why."""

    legs: tuple[str, ...]
    midline: MidlinePlane | None
    widest_gap_mm: float
    reason: str

    def to_dict(self) -> dict[str, object]:
        """Plain JSON types (the plane as its world x)."""
        midline = None if self.midline is None else round(self.midline.point_mm[0], 3)
        gap = round(self.widest_gap_mm, 3)
        return {"legs": list(self.legs), "midline_x_mm": midline, "widest_gap_mm": gap, "reason": self.reason}


def _x_profile(labels: np.ndarray, grid: sitk.Image) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """``(counts per x bin, x of the first bin's lower edge, x sum per label, voxels per label)``."""
    world_x = plane_distance(grid, WORLD_X)
    corners = world_x(
        tuple(np.array(np.meshgrid(*[[0, n - 1] for n in labels.shape], indexing="ij")).reshape(3, -1))
    )
    low, high = float(corners.min()), float(corners.max())
    bins = int(math.floor((high - low) / BIN_MM)) + 1
    counts = np.zeros(bins, dtype=np.int64)
    sums = np.zeros(NUM_CLASSES, dtype=np.float64)
    voxels = np.zeros(NUM_CLASSES, dtype=np.int64)
    for z, plane in enumerate(labels):
        ys, xs = np.nonzero(plane)
        if ys.size:
            x_mm, values = world_x((np.full_like(ys, z), ys, xs)), plane[ys, xs]
            counts += np.bincount(
                np.clip(((x_mm - low) / BIN_MM).astype(np.int64), 0, bins - 1), minlength=bins
            )
            sums += np.bincount(values, weights=x_mm, minlength=NUM_CLASSES)[:NUM_CLASSES]
            voxels += np.bincount(values, minlength=NUM_CLASSES)[:NUM_CLASSES]
    return counts, low, sums, voxels


def _one_leg_side(sums: np.ndarray, voxels: np.ndarray, case_id: str) -> tuple[str, str]:
    """The side of a single leg from the lateral and medial muscles' mean world x; and the reason."""
    for lateral, medial in SIDE_MARKERS:
        lateral_voxels, medial_voxels = voxels[list(lateral)].sum(), voxels[list(medial)].sum()
        if lateral_voxels and medial_voxels:
            lateral_x = float(sums[list(lateral)].sum() / lateral_voxels)
            medial_x = float(sums[list(medial)].sum() / medial_voxels)
            side = LEFT if lateral_x > medial_x else RIGHT
            names = ["+".join(LABELS[label] for label in labels) for labels in (lateral, medial)]
            return side, (
                f"one leg; mean world x of {names[0]} {lateral_x:.1f} mm {'>' if side == LEFT else '<='} "
                f"{names[1]} {medial_x:.1f} mm, so the lateral side points to the patient's {side}"
            )
    raise InvalidInputError(
        f"{case_id}: the reference holds one leg (no empty gap of {MIN_GAP_MM:g} mm between labelled voxels "
        "along the patient's right-left axis) and its side cannot be told: it needs vastus_lateralis or "
        "biceps_femoris and one of adductors, gracilis, vastus_medialis"
    )


def find_legs(reference: np.ndarray, grid: sitk.Image, case_id: str) -> Legs:
    """The legs of a case and the plane between them, from its reference labels ``(z, y, x)`` on ``grid``.

    Raises:
        InvalidInputError: If the reference has no labelled voxel, or the side of a single leg cannot be told.
    """
    counts, low, sums, voxels = _x_profile(reference, grid)
    occupied = np.flatnonzero(counts)
    if not occupied.size:
        raise InvalidInputError(
            f"{case_id}: the reference holds no muscle label (1-10), so nothing can be evaluated; "
            "remove it from the reference folder or fix its labels"
        )
    steps = np.diff(occupied)
    widest = int(np.argmax(steps)) if steps.size else 0
    start, length = (int(occupied[widest]) + 1, int(steps[widest]) - 1) if steps.size else (0, 0)
    gap_mm = length * BIN_MM
    width = (occupied[-1] - occupied[0] + 1) * BIN_MM
    if gap_mm >= MIN_GAP_MM:
        midline = low + (start + length / 2.0) * BIN_MM
        reason = f"two legs; widest empty gap {gap_mm:g} mm, cut at its centre, world x {midline:.1f} mm"
    elif width > WIDE_ONE_LEG_MM:  # the least occupied bin (10 mm moving average) in the middle half
        window = max(int(round(MIN_GAP_MM / BIN_MM)), 1)
        smooth = np.convolve(counts.astype(float), np.ones(window) / window, mode="same")
        first, quarter = int(occupied[0]), (int(occupied[-1]) - int(occupied[0])) // 4
        valley = first + quarter + int(np.argmin(smooth[first + quarter : int(occupied[-1]) - quarter + 1]))
        midline = low + (valley + 0.5) * BIN_MM
        reason = (
            f"two touching legs; no empty gap of {MIN_GAP_MM:g} mm but the labels span {width:.0f} mm "
            f"(more than one thigh's {WIDE_ONE_LEG_MM:g} mm), cut at the least occupied world x "
            f"{midline:.1f} mm of their middle half"
        )
        logger.warning("%s: %s", case_id, reason)
    else:
        side, reason = _one_leg_side(sums, voxels, case_id)
        return Legs((side,), None, gap_mm, reason)
    return Legs((RIGHT, LEFT), MidlinePlane((midline, 0.0, 0.0), WORLD_X.normal), gap_mm, reason)


def encode_legs(labels: np.ndarray, grid: sitk.Image, legs: Legs) -> None:
    """Add :data:`LEFT_CODE_OFFSET` in place to the labels of the left leg's voxels (one leg: all or none)."""
    is_left = None if legs.midline is None else left_of_plane(grid, legs.midline)
    for z, plane in enumerate(labels):
        flat = np.flatnonzero(plane)
        sides = voxel_sides(flat + z * plane.size, labels.shape, is_left, set(legs.legs))
        plane.reshape(-1)[flat] += (sides * LEFT_CODE_OFFSET).astype(labels.dtype)
