"""HU windowing and normalisation of a leg crop."""

from __future__ import annotations

import numpy as np

NORMALISATIONS: tuple[str, str] = ("zscore", "minmax")
AIR_THRESHOLD_HU = -500.0
"""Below this HU a voxel is air (or outside the scan): never muscle."""


def normalise_hu(
    array: np.ndarray,
    window_hu: tuple[float, float],
    normalisation: str = "zscore",
    mean_hu: float = 0.0,
    std_hu: float = 1.0,
) -> np.ndarray:
    """Clip HU to a window, then normalise.

    Args:
        array: HU values, any shape.
        window_hu: ``(low, high)`` clip range.
        normalisation: ``"zscore"``: ``(x - mean_hu) / std_hu`` after clipping (nnU-Net's CT scheme);
            ``"minmax"``: map the window onto ``[0, 1]`` (the paper's scheme).
        mean_hu: Mean HU used by ``"zscore"``.
        std_hu: Standard deviation of HU used by ``"zscore"`` (must be positive).

    Returns:
        float32 array of the same shape.

    Example:
        >>> normalise_hu(np.array([-1000.0, 75.0, 900.0]), (-100, 250), "minmax").tolist()
        [0.0, 0.5, 1.0]
    """
    low, high = float(window_hu[0]), float(window_hu[1])
    if not low < high:
        raise ValueError(f"window low {low} must be below high {high}")
    clipped = np.clip(array.astype(np.float32, copy=False), low, high)
    if normalisation == "minmax":
        return (clipped - low) / (high - low)
    if normalisation == "zscore":
        if std_hu <= 0:
            raise ValueError(f"std_hu must be positive, got {std_hu}")
        return (clipped - np.float32(mean_hu)) / np.float32(std_hu)
    raise ValueError(f"normalisation must be one of {NORMALISATIONS}, got {normalisation!r}")
