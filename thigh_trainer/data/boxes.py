"""Cutting fixed-size boxes out of arrays, padding where the box leaves the array.

Example:
    >>> center_fit(np.ones((3, 90, 64)), (96, 64), pad_value=0.0).shape
    (3, 96, 64)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def cut_box(array: np.ndarray, origin: Sequence[int], size: Sequence[int], pad_value: float) -> np.ndarray:
    """Cut ``array[..., origin:origin + size]`` over its last ``len(size)`` axes.

    Parts of the box outside the array are filled with ``pad_value``; ``origin`` may be negative.

    Returns:
        A new array of shape ``array.shape[:-len(size)] + size`` and the array's dtype.
    """
    lead = array.shape[: array.ndim - len(size)]
    out = np.full((*lead, *size), pad_value, dtype=array.dtype)
    source, target = [slice(None)] * len(lead), [slice(None)] * len(lead)
    for start, length, extent in zip(origin, size, array.shape[len(lead) :], strict=True):
        lo, hi = max(start, 0), min(start + length, extent)
        if hi <= lo:
            return out
        source.append(slice(lo, hi))
        target.append(slice(lo - start, hi - start))
    out[tuple(target)] = array[tuple(source)]
    return out


def center_fit(array: np.ndarray, size: Sequence[int], pad_value: float) -> np.ndarray:
    """Pad (with ``pad_value``) or crop the last ``len(size)`` axes symmetrically to ``size``."""
    extents = array.shape[array.ndim - len(size) :]
    origin = [(extent - length) // 2 for extent, length in zip(extents, size, strict=True)]
    return cut_box(array, origin, size, pad_value)
