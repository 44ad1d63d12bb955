"""Measures of artefacts in predicted label maps (stripes one voxel wide)."""

from __future__ import annotations

import numpy as np


def alternation_rate(labels: np.ndarray, axis: int) -> float:
    """Share of labelled voxels that sit in a one-voxel stripe along ``axis``.

    A voxel counts when its two neighbours along ``axis`` agree with each other but not with it
    (``a b a``), the signature of the column-parity artefact (every other x column one class).
    Smooth segmentations score near 0 (only thin structures and ragged borders), a parity
    pattern near 1.

    Args:
        labels: Integer label map, any dimension.
        axis: The axis to look along.

    Returns:
        The share among voxels with a muscle label (0 when there is none).
    """
    moved = np.moveaxis(np.asarray(labels), axis, 0)
    before, centre, after = moved[:-2], moved[1:-1], moved[2:]
    stripe = (before == after) & (centre != before)
    labelled = centre > 0
    count = int(labelled.sum())
    return float((stripe & labelled).sum()) / count if count else 0.0
