"""Bones of one leg in leg coordinates: femur, patella, tibia and fibula.

Each bone is an approximate signed distance with a cortex thickness and an
inner (marrow or trabecular) HU per point, so the renderer can draw a cortical
shell with partial volume.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dataset_conversion.phantom import sdf
from dataset_conversion.phantom.leg_frame import LegFrame

SHAFT_KNOTS = (-0.06, 0.05, 0.12, 0.2, 0.5, 0.75, 0.85, 0.93, 1.0)
SHAFT_RADIUS = (24, 24, 19, 15, 13.5, 14.5, 18, 26, 28)
SHAFT_CORTEX = (1.5, 2.0, 3.0, 5.0, 6.0, 5.0, 3.0, 1.5, 1.2)
SHAFT_MARROW = (0.0, 0.0, 0.3, 0.9, 1.0, 0.9, 0.4, 0.0, 0.0)
"""Femoral shaft profile along its own axis (fraction of the shaft length)."""


@dataclass
class BoneField:
    """One bone evaluated at points: signed distance, cortex thickness and HU."""

    distance: np.ndarray
    cortex: np.ndarray
    inner_hu: np.ndarray
    cortex_hu: float


def femur(frame: LegFrame, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> BoneField:
    """The femur: head, neck, trochanters, shaft and condyles."""
    p = frame.params
    b = p.bone_scale
    pts = (u, v, w)
    # Shaft in its own axis frame.
    d = frame.shaft_dir.astype(np.float32)
    top = frame.shaft_top.astype(np.float32)
    du, dv, dw = u - top[0], v - top[1], w - top[2]
    along = du * d[0] + dv * d[1] + dw * d[2]
    ts = along / np.float32(frame.shaft_length)
    radial = np.sqrt(np.maximum(du * du + dv * dv + dw * dw - along * along, 0.0))
    radius = np.interp(ts, SHAFT_KNOTS, SHAFT_RADIUS).astype(np.float32) * b
    shaft = np.maximum(
        radial - radius, np.maximum(-0.06 * frame.shaft_length - along, along - frame.shaft_length)
    )
    head = sdf.sphere(pts, np.zeros(3), p.head_radius)
    neck = sdf.capsule(pts, np.zeros(3), frame.neck_base, 15.0 * b, 17.0 * b)
    gt_centre = frame.neck_base + np.array([16.0, -6.0, -24.0]) * b
    greater = sdf.ellipsoid(pts, gt_centre, np.array([14.0, 20.0, 24.0]) * b)
    lesser = sdf.sphere(pts, frame.lesser_trochanter(), 9.0 * b)
    knee = np.array([0.0, 0.0, p.femur_length])
    lateral_condyle = sdf.ellipsoid(pts, knee + np.array([20.0, -6.0, -4.0]) * b, np.array([16, 27, 21]) * b)
    medial_condyle = sdf.ellipsoid(pts, knee + np.array([-20.0, -6.0, -2.0]) * b, np.array([17, 27, 23]) * b)
    distance = np.minimum.reduce([shaft, head, neck, greater, lesser, lateral_condyle, medial_condyle])
    cortex = np.interp(ts, SHAFT_KNOTS, SHAFT_CORTEX).astype(np.float32) * b
    marrow = np.interp(ts, SHAFT_KNOTS, SHAFT_MARROW).astype(np.float32)
    inner = marrow * p.marrow_hu + (1 - marrow) * p.trabecular_hu
    return BoneField(distance.astype(np.float32), cortex, inner.astype(np.float32), p.cortex_hu)


def patella(frame: LegFrame, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> BoneField:
    """The patella, anterior to the femoral condyles."""
    b = frame.params.bone_scale
    centre = np.array([0.0, 40.0 * b, frame.params.femur_length - 28.0 * b])
    distance = sdf.ellipsoid((u, v, w), centre, np.array([22.0, 10.0, 24.0]) * b).astype(np.float32)
    cortex = np.full_like(distance, 1.5)
    inner = np.full_like(distance, frame.params.trabecular_hu)
    return BoneField(distance, cortex, inner, frame.params.cortex_hu - 150.0)


def tibia(frame: LegFrame, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> BoneField:
    """The tibia below the knee: wide plateau tapering into the shaft, with the tuberosity."""
    b = frame.params.bone_scale
    rel = w - np.float32(frame.params.femur_length)
    knots = np.array([21.0, 30.0, 50.0, 90.0, 400.0]) * b
    r_lat = np.interp(rel, knots, np.array([38, 38, 32, 16, 14]) * b).astype(np.float32)
    r_ant = np.interp(rel, knots, np.array([26, 27, 24, 16, 14]) * b).astype(np.float32)
    centre_v = np.interp(rel, knots, np.array([-4, -4, -2, 2, 2]) * b).astype(np.float32)
    body = np.maximum(sdf.ellipse_radial(u, v - centre_v, r_lat, r_ant), knots[0] - rel)
    tuberosity = sdf.sphere((u, v, rel), np.array([0.0, 20.0, 58.0]) * b, 9.0 * b)
    distance = np.minimum(body, tuberosity).astype(np.float32)
    cortex = np.interp(rel, knots, np.array([1.2, 1.5, 2.0, 4.0, 5.0]) * b).astype(np.float32)
    marrow = np.interp(rel, knots, [0.0, 0.0, 0.2, 0.8, 1.0]).astype(np.float32)
    inner = marrow * frame.params.marrow_hu + (1 - marrow) * frame.params.trabecular_hu
    return BoneField(distance, cortex, inner.astype(np.float32), frame.params.cortex_hu)


def fibula(frame: LegFrame, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> BoneField:
    """The fibula: head posterolateral below the tibial plateau, then a thin shaft."""
    b = frame.params.bone_scale
    length = frame.params.femur_length
    head_centre = np.array([33.0 * b, -18.0 * b, length + 45.0 * b])
    head = sdf.sphere((u, v, w), head_centre, 11.0 * b)
    shaft = sdf.capsule((u, v, w), head_centre, head_centre + np.array([-3.0, 2.0, 300.0]), 7.0 * b, 6.0 * b)
    distance = np.minimum(head, shaft).astype(np.float32)
    cortex = np.full_like(distance, 2.0)
    inner = np.full_like(distance, frame.params.trabecular_hu)
    return BoneField(distance, cortex, inner, frame.params.cortex_hu)


def leg_bones(frame: LegFrame, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> list[BoneField]:
    """All bones of one leg evaluated at leg coordinates."""
    return [f(frame, u, v, w) for f in (femur, patella, tibia, fibula)]
