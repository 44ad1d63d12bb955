"""Neighbour-slice extraction: the three-channel 2D input of the 2.5D U-Net.

Orientation convention on a crop array ``(z, y, x)``: ``axial`` fixes z (slice ``(y, x)``),
``coronal`` fixes y (slice ``(z, x)``), ``sagittal`` fixes x (slice ``(z, y)``).

Example:
    >>> volume = np.zeros((90, 64, 64), np.float32)
    >>> extract_slice(volume, "coronal", 10, offset=2).shape  # slices y = 8, 10, 12
    (3, 90, 64)
"""

from __future__ import annotations

import numpy as np

from thigh_planner.plans.geometry import NORMAL_AXIS_ZYX, ORIENTATIONS


def orientation_axis(orientation: str) -> int:
    """The array axis an orientation fixes (its normal): axial 0 (z), coronal 1 (y), sagittal 2 (x).

    Raises:
        ValueError: For an unknown orientation, listing the known ones.
    """
    try:
        return NORMAL_AXIS_ZYX[orientation]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown orientation {orientation!r}; expected one of {', '.join(ORIENTATIONS)}."
        ) from None


def num_slices(shape_zyx: tuple[int, ...], orientation: str) -> int:
    """Number of 2D slices of a ``(z, y, x)`` volume in an orientation."""
    return int(shape_zyx[orientation_axis(orientation)])


def slice_shape(shape_zyx: tuple[int, ...], orientation: str) -> tuple[int, int]:
    """Shape ``(H, W)`` of one slice: axial ``(y, x)``, coronal ``(z, x)``, sagittal ``(z, y)``."""
    axis = orientation_axis(orientation)
    height, width = (int(n) for i, n in enumerate(shape_zyx) if i != axis)
    return height, width


def _check_index(volume: np.ndarray, orientation: str, index: int) -> int:
    if volume.ndim != 3:
        raise ValueError(f"Expected a (z, y, x) volume, found shape {volume.shape}.")
    count = num_slices(volume.shape, orientation)
    if not 0 <= index < count:
        raise IndexError(f"Slice index {index} out of range 0..{count - 1} for {orientation} slices.")
    return orientation_axis(orientation)


def extract_slice(volume: np.ndarray, orientation: str, index: int, offset: int) -> np.ndarray:
    """The slices ``index - offset``, ``index``, ``index + offset`` stacked as channels.

    Neighbour indices outside the volume are clamped to its first or last slice.

    Args:
        volume: ``(z, y, x)`` array.
        orientation: ``axial``, ``coronal`` or ``sagittal``.
        index: Centre slice index along the orientation's normal.
        offset: Neighbour distance in slices (>= 0).

    Returns:
        ``(3, H, W)`` array of the volume's dtype (a copy).
    """
    axis = _check_index(volume, orientation, index)
    if offset < 0:
        raise ValueError(f"Neighbour offset must be >= 0, found {offset}.")
    last = volume.shape[axis] - 1
    indices = [min(max(index + step, 0), last) for step in (-offset, 0, offset)]
    return np.ascontiguousarray(np.moveaxis(np.take(volume, indices, axis=axis), axis, 0))


def extract_label_slice(labels: np.ndarray, orientation: str, index: int) -> np.ndarray:
    """The label slice ``(H, W)`` at ``index`` (a copy)."""
    axis = _check_index(labels, orientation, index)
    return np.ascontiguousarray(np.take(labels, index, axis=axis))
