"""A projection-free model of metal artefacts in each axial slice that holds metal.

Metal is found as clean HU above :data:`METAL_THRESHOLD`. In each slice with
metal, around the metal's centroid:

- *radial streaks*: 8-14 lines through the centroid at angles drawn per case,
  alternately bright and dark, 1-2.5 mm wide (Gaussian profile), of 80-250 HU at
  the metal falling off as ``r0 / (r0 + r)`` with r0 = 40 mm;
- a *dark band*: a wider (6-12 mm) band of -150..-400 HU along the left-right
  line through the metal (the direction in which the beam crosses most
  material), falling off with r0 = 120 mm;

both scaled by the metal's cross-section in the slice (area / 150 mm^2,
clipped to 0.3-1.5). Not modelled: beam hardening between several metal
objects, photon starvation that depends on the patient's outline, noise
growing near metal, streaks that follow the implant's shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dataset_conversion.phantom.grid import GridSpec

METAL_THRESHOLD = 2500.0
"""Clean HU above which a voxel is metal (no tissue of the phantom exceeds 1800 HU)."""
STREAK_FALLOFF_MM = 40.0
BAND_FALLOFF_MM = 120.0
REFERENCE_AREA_MM2 = 150.0


def sample_streaks(rng: np.random.Generator) -> dict[str, Any]:
    """Draw the streak pattern of a case."""
    count = int(rng.integers(8, 15))
    signs = np.where(np.arange(count) % 2 == 0, 1.0, -1.0)
    return {
        "angles_deg": [round(float(a), 2) for a in rng.uniform(0.0, 180.0, count)],
        "amplitudes_hu": [round(float(a), 1) for a in signs * rng.uniform(80.0, 250.0, count)],
        "widths_mm": [round(float(w), 2) for w in rng.uniform(1.0, 2.5, count)],
        "band_hu": round(float(-rng.uniform(150.0, 400.0)), 1),
        "band_width_mm": round(float(rng.uniform(6.0, 12.0)), 2),
    }


def streak_pattern(dx: np.ndarray, dy: np.ndarray, streaks: dict[str, Any]) -> np.ndarray:
    """HU offsets at in-plane offsets ``(dx, dy)`` (mm) from the metal centroid, before area scaling."""
    r = np.hypot(dx, dy)
    total = np.zeros(np.broadcast_shapes(dx.shape, dy.shape), np.float32)
    falloff = STREAK_FALLOFF_MM / (STREAK_FALLOFF_MM + r)
    for angle, amplitude, width in zip(
        streaks["angles_deg"], streaks["amplitudes_hu"], streaks["widths_mm"], strict=True
    ):
        a = np.deg2rad(angle)
        d = dx * np.sin(a) - dy * np.cos(a)
        total += (amplitude * np.exp(-0.5 * (d / width) ** 2) * falloff).astype(np.float32)
    band = np.exp(-0.5 * (dy / streaks["band_width_mm"]) ** 2) * BAND_FALLOFF_MM / (BAND_FALLOFF_MM + r)
    total += (streaks["band_hu"] * band).astype(np.float32)
    return total


def add_metal_streaks(clean: np.ndarray, grid: GridSpec, streaks: dict[str, Any]) -> list[int]:
    """Add streaks and the dark band to every slice of ``clean`` ``(nz, ny, nx)`` that holds metal.

    Returns:
        The indices of the slices with metal.
    """
    x, y = grid.axis(0), grid.axis(1)
    area = grid.spacing[0] * grid.spacing[1]
    slices = []
    for k in range(clean.shape[0]):
        metal = clean[k] > METAL_THRESHOLD
        if not metal.any():
            continue
        slices.append(k)
        rows, cols = np.nonzero(metal)
        cx, cy = float(x[cols].mean()), float(y[rows].mean())
        strength = float(np.clip(rows.size * area / REFERENCE_AREA_MM2, 0.3, 1.5))
        pattern = streak_pattern(x[None, :] - cx, y[:, None] - cy, streaks) * np.float32(strength)
        clean[k] += np.where(metal, np.float32(0.0), pattern)
    return slices
