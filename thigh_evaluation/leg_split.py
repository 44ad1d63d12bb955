"""Which leg each labelled voxel belongs to, from its world position (LPS: +x is the patient's left).

The rule is in "Legs" of ``documentation/thigh_evaluate.md``. Each leg is encoded in the label values
(right: label, left: label + :data:`LEFT_CODE_OFFSET`) for one ``find_objects`` pass.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import SimpleITK as sitk

from thigh_common.errors import InvalidInputError
from thigh_common.geometry import direction_matrix
from thigh_common.labels import LABELS, NUM_CLASSES

logger = logging.getLogger(__name__)

BIN_MM = 2.0
MIN_GAP_MM = 10.0  # an empty run at least this wide separates two legs
WIDE_ONE_LEG_MM = 250.0  # labels wider than this without a gap are two touching legs (a thigh is narrower)
LEFT_CODE_OFFSET = NUM_CLASSES  # left-leg voxels carry label + LEFT_CODE_OFFSET (12..21) in the encoded maps
RIGHT, LEFT = "right", "left"
LEG_ORDER: tuple[str, str] = (RIGHT, LEFT)
LATERAL_MARKERS: tuple[tuple[int, ...], ...] = ((3,), (3, 8))
MEDIAL_MARKERS: tuple[tuple[int, ...], ...] = ((6,), (5, 6, 7))


@dataclass(frozen=True)
class WorldX:
    """World x (mm, LPS: towards the patient's left) as a linear function of the numpy index.

    ``x_mm = offset + z * per_index_zyx[0] + y * per_index_zyx[1] + x * per_index_zyx[2]``.
    """

    offset: float
    per_index_zyx: tuple[float, float, float]

    @classmethod
    def of(cls, image: sitk.Image) -> WorldX:
        """The world x function of ``image``'s voxel centres (origin, spacing and direction)."""
        row = direction_matrix(image)[0] * np.asarray(image.GetSpacing(), dtype=float)
        return cls(float(image.GetOrigin()[0]), (float(row[2]), float(row[1]), float(row[0])))

    def in_slice(self, z: int, shape_yx: tuple[int, int]) -> np.ndarray:
        """World x of every voxel of axial index slice ``z``, float64 ``(y, x)``."""
        _, per_y, per_x = self.per_index_zyx
        rows = self.offset + z * self.per_index_zyx[0] + per_y * np.arange(shape_yx[0])
        return rows[:, None] + per_x * np.arange(shape_yx[1])[None, :]

    def extent(self, shape_zyx: tuple[int, int, int]) -> tuple[float, float]:
        """Smallest and largest world x of the grid's voxel centres (at its corners)."""
        corners = np.array(np.meshgrid(*[[0, n - 1] for n in shape_zyx], indexing="ij")).reshape(3, -1)
        values = self.offset + np.asarray(self.per_index_zyx) @ corners
        return float(values.min()), float(values.max())


@dataclass(frozen=True)
class LegSplit:
    """The legs present (in :data:`LEG_ORDER`), where two separate (world x; None for one leg), and why."""

    legs: tuple[str, ...]
    midline_x_mm: float | None
    widest_gap_mm: float
    reason: str = field(default="")

    def to_dict(self) -> dict[str, object]:
        """Plain JSON types."""
        return {
            "legs": list(self.legs),
            "midline_x_mm": None if self.midline_x_mm is None else round(self.midline_x_mm, 3),
            "widest_gap_mm": round(self.widest_gap_mm, 3),
            "reason": self.reason,
        }


def _x_profile(labels: np.ndarray, world_x: WorldX) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """``(counts per x bin, x of the first bin's lower edge, x sum per label, voxels per label)``."""
    low, high = world_x.extent(labels.shape)
    bins = int(math.floor((high - low) / BIN_MM)) + 1
    counts = np.zeros(bins, dtype=np.int64)
    sums = np.zeros(NUM_CLASSES, dtype=np.float64)
    voxels = np.zeros(NUM_CLASSES, dtype=np.int64)
    for z in range(labels.shape[0]):
        slice_labels = labels[z]
        labelled = slice_labels > 0
        if not labelled.any():
            continue
        xs = world_x.in_slice(z, slice_labels.shape)[labelled]
        values = slice_labels[labelled]
        indices = np.clip(((xs - low) / BIN_MM).astype(np.int64), 0, bins - 1)
        counts += np.bincount(indices, minlength=bins)
        sums += np.bincount(values, weights=xs, minlength=NUM_CLASSES)[:NUM_CLASSES]
        voxels += np.bincount(values, minlength=NUM_CLASSES)[:NUM_CLASSES]
    return counts, low, sums, voxels


def _widest_gap(counts: np.ndarray) -> tuple[int, int]:
    """Start bin and length of the widest run of empty bins between the first and last occupied bins."""
    occupied = np.flatnonzero(counts)
    steps = np.diff(occupied)
    if steps.size == 0 or steps.max() <= 1:
        return 0, 0
    widest = int(np.argmax(steps))
    return int(occupied[widest]) + 1, int(steps[widest]) - 1


def _names(labels: tuple[int, ...]) -> str:
    return "+".join(LABELS[label] for label in labels)


def _one_leg_side(sums: np.ndarray, voxels: np.ndarray, case_id: str) -> tuple[str, str]:
    """The side of a single leg from the lateral and medial muscles' mean world x; and the reason."""
    for lateral, medial in zip(LATERAL_MARKERS, MEDIAL_MARKERS, strict=True):
        lateral_voxels, medial_voxels = voxels[list(lateral)].sum(), voxels[list(medial)].sum()
        if lateral_voxels == 0 or medial_voxels == 0:
            continue
        lateral_x = float(sums[list(lateral)].sum() / lateral_voxels)
        medial_x = float(sums[list(medial)].sum() / medial_voxels)
        side = LEFT if lateral_x > medial_x else RIGHT
        return side, (
            f"one leg; mean world x of {_names(lateral)} {lateral_x:.1f} mm "
            f"{'>' if side == LEFT else '<='} {_names(medial)} {medial_x:.1f} mm, so the lateral side "
            f"points to the patient's {side}"
        )
    raise InvalidInputError(
        f"{case_id}: the reference holds one leg (no empty gap of {MIN_GAP_MM:g} mm between labelled voxels "
        "along the patient's right-left axis) and its side cannot be told: it needs vastus_lateralis or "
        "biceps_femoris and one of adductors, gracilis, vastus_medialis"
    )


def find_leg_split(reference: np.ndarray, world_x: WorldX, case_id: str) -> LegSplit:
    """Decide the legs of a case from its reference labels ``(z, y, x)`` (the rule of the documentation).

    Raises:
        InvalidInputError: If the reference has no labelled voxel, or the side of a single leg cannot be told.
    """
    counts, low, sums, voxels = _x_profile(reference, world_x)
    if not counts.any():
        raise InvalidInputError(
            f"{case_id}: the reference holds no muscle label (1-10), so nothing can be evaluated; "
            "remove it from the reference folder or fix its labels"
        )
    start, length = _widest_gap(counts)
    gap_mm = length * BIN_MM
    if gap_mm >= MIN_GAP_MM:
        midline = low + (start + length / 2.0) * BIN_MM
        reason = f"two legs; widest empty gap {gap_mm:g} mm, cut at its centre, world x {midline:.1f} mm"
        return LegSplit(LEG_ORDER, midline, gap_mm, reason)
    occupied = np.flatnonzero(counts)
    width = (occupied[-1] - occupied[0] + 1) * BIN_MM
    if width > WIDE_ONE_LEG_MM:
        midline = _valley(counts, occupied, low)
        reason = (
            f"two touching legs; no empty gap of {MIN_GAP_MM:g} mm but the labels span {width:.0f} mm "
            f"(more than one thigh's {WIDE_ONE_LEG_MM:g} mm), cut at the least occupied world x "
            f"{midline:.1f} mm of their middle half"
        )
        logger.warning("%s: %s", case_id, reason)
        return LegSplit(LEG_ORDER, midline, gap_mm, reason)
    side, reason = _one_leg_side(sums, voxels, case_id)
    return LegSplit((side,), None, gap_mm, reason)


def _valley(counts: np.ndarray, occupied: np.ndarray, low: float) -> float:
    """World x of the least occupied bin (10 mm moving average) in the middle half of the labelled span."""
    window = max(int(round(MIN_GAP_MM / BIN_MM)), 1)
    smooth = np.convolve(counts.astype(float), np.ones(window) / window, mode="same")
    first, last = int(occupied[0]), int(occupied[-1])
    quarter = (last - first) // 4
    middle = slice(first + quarter, last - quarter + 1)
    valley = first + quarter + int(np.argmin(smooth[middle]))
    return low + (valley + 0.5) * BIN_MM


def encode_legs(labels: np.ndarray, world_x: WorldX, split: LegSplit) -> dict[str, int]:
    """Mark in place the left-leg voxels (world x above the midline) of ``labels`` with ``+LEFT_CODE_OFFSET``.

    Returns:
        The code offset of each leg present (``{"right": 0, "left": 11}``, or ``{side: 0}`` for one leg).
    """
    if split.midline_x_mm is None:
        return {split.legs[0]: 0}
    for z in range(labels.shape[0]):
        slice_labels = labels[z]
        left = (world_x.in_slice(z, slice_labels.shape) > split.midline_x_mm) & (slice_labels > 0)
        slice_labels[left] += LEFT_CODE_OFFSET
    return {RIGHT: 0, LEFT: LEFT_CODE_OFFSET}
