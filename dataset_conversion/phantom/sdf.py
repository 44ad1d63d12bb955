"""Approximate signed distance functions (negative inside, mm) and partial-volume fractions.

Points are given as separate coordinate arrays of equal shape, so that the
primitives work on flattened voxel lists ``(N,)`` without stacking.
"""

from __future__ import annotations

import numpy as np

Points = tuple[np.ndarray, np.ndarray, np.ndarray]


def sphere(p: Points, centre: np.ndarray, radius: float) -> np.ndarray:
    """Signed distance to a sphere."""
    return np.sqrt((p[0] - centre[0]) ** 2 + (p[1] - centre[1]) ** 2 + (p[2] - centre[2]) ** 2) - radius


def ellipsoid(p: Points, centre: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Approximate signed distance to an axis-aligned ellipsoid (exact for spheres).

    Uses the radial distance along the ray from the centre, which is accurate
    near the surface of moderately elongated ellipsoids.
    """
    d0, d1, d2 = p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]
    rho = np.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
    q = np.sqrt((d0 / radii[0]) ** 2 + (d1 / radii[1]) ** 2 + (d2 / radii[2]) ** 2)
    return rho - rho / np.maximum(q, 1e-6)


def capsule(
    p: Points, start: np.ndarray, end: np.ndarray, radius_start: float, radius_end: float
) -> np.ndarray:
    """Approximate signed distance to a segment with linearly varying radius (a cone capsule)."""
    axis = np.asarray(end, dtype=np.float32) - np.asarray(start, dtype=np.float32)
    length2 = float(axis @ axis)
    d0, d1, d2 = p[0] - start[0], p[1] - start[1], p[2] - start[2]
    s = np.clip((d0 * axis[0] + d1 * axis[1] + d2 * axis[2]) / length2, 0.0, 1.0)
    e0, e1, e2 = d0 - s * axis[0], d1 - s * axis[1], d2 - s * axis[2]
    return np.sqrt(e0 * e0 + e1 * e1 + e2 * e2) - (radius_start + s * (radius_end - radius_start))


def ellipse_radial(du: np.ndarray, dv: np.ndarray, ru: np.ndarray, rv: np.ndarray) -> np.ndarray:
    """Signed radial distance to an ellipse in a plane, measured along the ray from its centre."""
    rho = np.sqrt(du * du + dv * dv)
    q = np.sqrt((du / ru) ** 2 + (dv / rv) ** 2)
    return rho - rho / np.maximum(q, 1e-6)


def smooth_min(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Polynomial smooth minimum (union with a fillet of size ``k`` mm)."""
    h = np.clip(0.5 + 0.5 * (b - a) / k, 0.0, 1.0)
    return b + (a - b) * h - k * h * (1.0 - h)


def fraction(sdf: np.ndarray, voxel: float) -> np.ndarray:
    """Box partial-volume fraction of a voxel of size ``voxel`` mm inside the surface ``sdf``."""
    return np.clip(0.5 - sdf / voxel, 0.0, 1.0)


def septum_fat(distance: np.ndarray, thickness: np.ndarray, voxel: float) -> np.ndarray:
    """Fraction of a voxel covered by a septum of ``thickness`` centred on a border.

    Args:
        distance: Distance (mm) from the voxel centre to the border, any sign.
        thickness: Septum thickness (mm), broadcastable to ``distance``.
        voxel: Voxel size (mm) across the border.
    """
    d = np.abs(distance)
    half = 0.5 * thickness
    overlap = np.minimum(d + 0.5 * voxel, half) - np.maximum(d - 0.5 * voxel, -half)
    return np.clip(overlap / voxel, 0.0, 1.0)


def smoothstep(x: np.ndarray) -> np.ndarray:
    """Cubic smooth step from 0 (x <= 0) to 1 (x >= 1)."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)
