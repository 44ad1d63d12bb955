"""HU windowing and normalisation of a leg crop."""

from __future__ import annotations

import numpy as np

NORMALISATIONS: tuple[str, ...] = ("zscore", "minmax")
"""The intensity normalisations of the plans' ``normalisation`` field (see :func:`normalise_hu`)."""
AIR_THRESHOLD_HU = -500.0
"""Below this HU a voxel is air (or outside the scan): never muscle. The cut of the air masks
(planning's ``_air.npy``) and of the air clearing after prediction
(:func:`thigh_inference.postprocessing.clear_labels_in_air`)."""
AIR_FILL_HU = -1024.0
"""The HU of air, filled in wherever a resampled grid reaches outside the scan (the leg crops,
the detector's canonical grid). A value, not a cut: it lies well below :data:`AIR_THRESHOLD_HU`,
so filled voxels count as air, and voxels of real air (about -1000 HU, noisy) do too."""


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
