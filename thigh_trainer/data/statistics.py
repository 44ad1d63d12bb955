"""Per-leg label statistics that the samplers draw from, computed once in vectorised passes.

Example:
    >>> counts = slice_class_counts(labels, "axial")  # (z, 11) voxels of each class per axial slice
    >>> present = counts[:, 7] > 0                    # axial slices holding gracilis
"""

from __future__ import annotations

import numpy as np

from thigh_common.labels import NUM_CLASSES
from thigh_trainer.data.slices import orientation_axis

MAX_LOCATIONS_PER_CLASS = 10_000
"""Voxel positions kept per class and leg for foreground-forced 3D patches (nnU-Net keeps 10,000)."""


def check_label_values(labels: np.ndarray, name: str) -> None:
    """Raise ValueError when a label volume holds a value outside 0..10."""
    highest = int(labels.max()) if labels.size else 0
    if highest >= NUM_CLASSES:
        raise ValueError(
            f"Leg {name}: label value {highest} found; labels must be 0..{NUM_CLASSES - 1} "
            "(background and the ten muscles)."
        )


def slice_class_counts(labels: np.ndarray, orientation: str) -> np.ndarray:
    """Voxels of each class in every slice of an orientation, in one bincount pass.

    Args:
        labels: uint8 ``(z, y, x)`` values 0..10 (checked by :func:`check_label_values`).
        orientation: ``axial``, ``coronal`` or ``sagittal``.

    Returns:
        int64 ``(num_slices, 11)`` counts.
    """
    axis = orientation_axis(orientation)
    count = labels.shape[axis]
    per_slice = np.moveaxis(np.asarray(labels), axis, 0).reshape(count, -1)
    keys = per_slice.astype(np.int64) + NUM_CLASSES * np.arange(count, dtype=np.int64)[:, None]
    return np.bincount(keys.ravel(), minlength=count * NUM_CLASSES).reshape(count, NUM_CLASSES)


def body_threshold(image: np.ndarray) -> float:
    """Intensity above which a voxel counts as body: a hair above the image minimum (air, padding)."""
    low, high = float(np.min(image)), float(np.max(image))
    return low + 1e-4 * (high - low)


def body_slices(image: np.ndarray, orientation: str) -> np.ndarray:
    """Boolean per slice: whether it holds any voxel brighter than air (not pure background)."""
    axis = orientation_axis(orientation)
    other = tuple(i for i in range(3) if i != axis)
    return np.asarray(np.any(np.asarray(image) > body_threshold(image), axis=other))


def class_sampling_weights(voxels_per_class: np.ndarray) -> np.ndarray:
    """Probability of choosing each class for a forced draw: inversely proportional to its frequency.

    Args:
        voxels_per_class: ``(11,)`` voxel counts over all legs; background (index 0) is never chosen.

    Returns:
        ``(11,)`` probabilities summing to 1, zero for background and absent classes; all zero when no
        muscle is present anywhere.
    """
    counts = np.asarray(voxels_per_class, dtype=np.float64)
    weights = np.zeros_like(counts)
    present = counts > 0
    present[0] = False
    weights[present] = 1.0 / counts[present]
    total = weights.sum()
    return weights / total if total > 0 else weights


def class_locations(labels: np.ndarray, seed: int = 0) -> dict[int, np.ndarray]:
    """Up to :data:`MAX_LOCATIONS_PER_CLASS` random voxel positions ``(n, 3)`` of every present muscle class."""
    rng = np.random.default_rng(seed)
    flat = np.asarray(labels).ravel()
    locations = {}
    for label in range(1, NUM_CLASSES):
        where = np.flatnonzero(flat == label)
        if where.size == 0:
            continue
        if where.size > MAX_LOCATIONS_PER_CLASS:
            where = np.sort(rng.choice(where, MAX_LOCATIONS_PER_CLASS, replace=False))
        locations[label] = np.stack(np.unravel_index(where, labels.shape), axis=1)
    return locations
