"""Imaging chain: point spread function, correlated noise and conversion to int16 HU.

Noise is generated per slice from a generator keyed by (case key, slice), so
the result does not depend on how the volume is cut into slabs.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

HU_MIN, HU_MAX = -1024, 3071
NOISE_SIGMA_VOXELS = (0.45, 0.8, 0.8)
"""Gaussian correlation of the noise in voxels ``(z, y, x)``: grainy in-plane, little across slices."""


def psf_sigma_voxels(psf_mm: float, spacing: tuple[float, float, float]) -> tuple[float, float, float]:
    """Gaussian PSF sigma in voxels ``(z, y, x)``; the slice profile adds about 0.4 slice in z."""
    sx, sy, sz = spacing
    return (0.4, max(psf_mm / sy, 0.3), max(psf_mm / sx, 0.3))


def _kernel_norm(sigmas: tuple[float, ...]) -> float:
    """Standard deviation of unit white noise after the separable Gaussian filter ``sigmas``."""
    total = 1.0
    for sigma in sigmas:
        radius = int(4.0 * sigma + 0.5)
        delta = np.zeros(2 * radius + 1)
        delta[radius] = 1.0
        kernel = ndimage.gaussian_filter1d(delta, sigma, mode="constant")
        total *= float(np.sqrt(np.sum(kernel**2)))
    return total


def margin_slices(psf: tuple[float, float, float]) -> int:
    """Slices needed on each side of a slab so that filtering matches the whole-volume result."""
    return int(4.0 * max(psf[0], NOISE_SIGMA_VOXELS[0]) + 0.5) + 1


def slice_noise(key: tuple[int, ...], k: int, shape: tuple[int, int]) -> np.ndarray:
    """Unit white noise of slice ``k`` (float32), reproducible from ``key``."""
    rng = np.random.default_rng([*key, 7, k])
    return rng.standard_normal(shape, dtype=np.float32)


def image_slab(
    clean: np.ndarray,
    k0: int,
    k1: int,
    psf: tuple[float, float, float],
    noise_sigma: float,
    key: tuple[int, ...],
) -> np.ndarray:
    """Blur, add noise and quantise slices ``[k0, k1)`` of the clean volume.

    Args:
        clean: Clean HU volume ``(nz, ny, nx)`` (float32).
        k0: First slice.
        k1: End slice (exclusive).
        psf: PSF sigma in voxels ``(z, y, x)``.
        noise_sigma: Target noise standard deviation (HU).
        key: Reproducibility key of the case.

    Returns:
        int16 HU slices ``(k1 - k0, ny, nx)``.
    """
    nz = clean.shape[0]
    margin = margin_slices(psf)
    lo, hi = max(k0 - margin, 0), min(k1 + margin, nz)
    block = ndimage.gaussian_filter(clean[lo:hi], psf, mode="nearest")
    white = np.stack([slice_noise(key, k, clean.shape[1:]) for k in range(lo, hi)])
    white = ndimage.gaussian_filter(white, NOISE_SIGMA_VOXELS, mode="nearest")
    block += white * np.float32(noise_sigma / _kernel_norm(NOISE_SIGMA_VOXELS))
    block = block[k0 - lo : k0 - lo + (k1 - k0)]
    return np.clip(np.rint(block), HU_MIN, HU_MAX).astype(np.int16)
