"""The pelvis in world coordinates: bones, gluteal and iliopsoas muscles, bladder and bowel.

Everything here is background (label 0). Shapes are rough: the aim is the
confounders real scans have above and around the hips, not anatomical detail.
"""

from __future__ import annotations

import numpy as np

from dataset_conversion.phantom import sdf
from dataset_conversion.phantom.bones import BoneField
from dataset_conversion.phantom.parameters import SIDE_SIGN, SubjectParams

PELVIS_BOTTOM = -110.0
"""Lowest z (relative to the head centres, before scaling) that holds pelvic structures."""


def hip_centre(subject: SubjectParams, side: str) -> np.ndarray:
    """World position of a femoral head centre (also for a side that is not rendered)."""
    sign = SIDE_SIGN[side]
    return np.array([sign * subject.hip_half_width, 0.0, sign * subject.obliquity])


def _head_radius(subject: SubjectParams, side: str) -> float:
    for leg in subject.legs:
        if leg.side == side:
            return leg.head_radius
    return 23.0 * subject.scale


def _wing(subject: SubjectParams, sign: int, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Iliac wing: a curved plate sweeping from the sacroiliac joint to the anterior superior spine."""
    s = subject.scale
    h = (z - np.float32(hip_centre(subject, "left" if sign > 0 else "right")[2])) / s
    cx, cy = 55.0 * s, -5.0 * s
    dx, dy = sign * (x - cx * sign), y - cy
    rho = np.sqrt(dx * dx + dy * dy)
    alpha = np.arctan2(dy, dx)
    radius = (70.0 + 0.3 * np.maximum(h - 25.0, 0.0)) * s
    thickness = (6.0 + 8.0 * np.exp(-np.maximum(h - 25.0, 0.0) / 30.0)) * s
    lo, hi = np.deg2rad(-55.0), np.deg2rad(85.0)
    crest = subject.crest_height / s - 20.0 * ((alpha - 0.44) / 1.3) ** 2
    return np.maximum.reduce(
        [
            np.abs(rho - radius) - 0.5 * thickness,
            rho * (lo - alpha),
            rho * (alpha - hi),
            (25.0 - h) * s,
            (h - crest) * s,
        ]
    )


def pelvis_bones(subject: SubjectParams, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> list[BoneField]:
    """Hip bones (ilium, acetabulum, pubis, ischium), sacrum and the lowest lumbar vertebra."""
    s = subject.scale
    pts = (x, y, z)
    parts = []
    for side in ("right", "left"):
        sign = SIDE_SIGN[side]
        centre = hip_centre(subject, side)
        zc = centre[2]
        head = _head_radius(subject, side)
        rho = sdf.sphere(pts, centre, 0.0)
        normal = np.array([-sign * 0.55, 0.1, 0.8])
        normal /= np.linalg.norm(normal)
        facing = (x - centre[0]) * normal[0] + (y - centre[1]) * normal[1] + (z - centre[2]) * normal[2]
        shell = np.maximum(rho - (head + 11.0 * s), head + 2.5 * s - rho)
        parts.append(np.maximum(shell, -(facing + 0.35 * (head + 11.0 * s))))
        parts.append(_wing(subject, sign, x, y, z))
        roof = centre + np.array([-sign * 10.0, 5.0, 25.0]) * s
        parts.append(
            sdf.capsule(pts, roof, np.array([sign * 90.0 * s, 66.0 * s, zc + 30.0 * s]), 18 * s, 12 * s)
        )
        parts.append(
            sdf.capsule(pts, roof, np.array([sign * 112.0 * s, -28.0 * s, zc + 30.0 * s]), 14 * s, 9 * s)
        )
        symphysis = np.array([sign * 11.0 * s, -40.0 * s, zc - 22.0 * s])
        parts.append(
            sdf.capsule(pts, centre + np.array([-sign * 22.0, -18.0, -8.0]) * s, symphysis, 11 * s, 8 * s)
        )
        tuberosity = np.array([sign * 55.0 * s, 40.0 * s, zc - 62.0 * s])
        parts.append(sdf.capsule(pts, symphysis - np.array([0, -2, 14]) * s, tuberosity, 7 * s, 8 * s))
        parts.append(
            sdf.capsule(pts, centre + np.array([-sign * 15.0, 22.0, -18.0]) * s, tuberosity, 14 * s, 12 * s)
        )
        parts.append(sdf.sphere(pts, tuberosity, 14.0 * s))
    parts.append(sdf.ellipsoid(pts, np.array([0.0, 58.0 * s, 75.0 * s]), np.array([46.0, 20.0, 65.0]) * s))
    parts.append(
        sdf.ellipsoid(
            pts, np.array([0.0, 40.0 * s, subject.crest_height + 15 * s]), np.array([27, 21, 22]) * s
        )
    )
    distance = np.minimum.reduce(parts).astype(np.float32)
    cortex = np.full_like(distance, 1.6 * s)
    inner = np.full_like(distance, 260.0)
    return [BoneField(distance, cortex, inner, subject.pelvic_cortex_hu)]


def pelvis_muscles(subject: SubjectParams, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Signed distance to the gluteal, iliacus and psoas muscles of both sides (background muscle)."""
    s = subject.scale
    pts = (x, y, z)
    parts = []
    for sign in (-1, 1):
        parts.append(sdf.ellipsoid(pts, np.array([sign * 95, 85, 30]) * s, np.array([70, 42, 100]) * s))
        parts.append(sdf.ellipsoid(pts, np.array([sign * 128, 15, 85]) * s, np.array([35, 60, 55]) * s))
        parts.append(sdf.ellipsoid(pts, np.array([sign * 70, 10, 100]) * s, np.array([28, 40, 60]) * s))
        parts.append(sdf.ellipsoid(pts, np.array([sign * 42, 38, 120]) * s, np.array([22, 22, 80]) * s))
    return np.minimum.reduce(parts).astype(np.float32)


def pelvis_organs(
    subject: SubjectParams, x: np.ndarray, y: np.ndarray, z: np.ndarray
) -> list[tuple[np.ndarray, float]]:
    """Bladder, rectum and bowel loops as ``(signed distance, HU)`` layers in painting order."""
    s = subject.scale
    pts = (x, y, z)
    layers: list[tuple[np.ndarray, float]] = []
    bladder = subject.bladder
    centre = np.array([bladder[0], bladder[1], bladder[2]]) * s
    outer = sdf.ellipsoid(pts, centre, bladder[3:] * s)
    layers.append((outer, 38.0))
    layers.append((outer + 3.0, 8.0))
    rectum = sdf.capsule(pts, np.array([0, 62, -30]) * s, np.array([0, 66, 70]) * s, 13 * s, 16 * s)
    layers.append((rectum, 40.0))
    layers.append((rectum + 3.0, 22.0))
    layers.append((sdf.sphere(pts, np.array([0, 60, 40]) * s, 7 * s), -1000.0))
    for loop in subject.bowel:
        centre, radii = loop[0:3] * np.array([s, s, 1.0]), loop[3:6] * s
        wall = sdf.ellipsoid(pts, centre, radii)
        layers.append((wall, 40.0))
        layers.append((wall + 2.5, float(loop[7])))
        if loop[6] > 0.15:
            gas_radius = float(loop[6] * radii.min())
            gas_centre = centre - np.array([0.0, radii[1] - gas_radius - 3.0, 0.0])
            layers.append((sdf.sphere(pts, gas_centre, gas_radius), -1000.0))
    return layers
