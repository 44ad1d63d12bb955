"""Muscle layout along the leg: tables of centre angle, depth and size as functions of t.

The leg coordinate ``t`` runs along the mechanical axis from the femoral head
centre (t = 0) to the knee centre (t = 1); values above 1 are the upper shin.
In each cross-section, a muscle (a *site*) sits at an angle around the femur
shaft (0 = anterior, +90 = lateral, 180 = posterior, -90 = medial), at a
fraction ``depth`` of the distance from the shaft to the fascia along that
angle, with a radius ``size`` given as a fraction of the compartment's mean
radius. ``belly`` is 1 for muscle and falls to 0 where the muscle becomes pure
tendon. Sites with label 0 are confounders (gluteals, iliopsoas, calf) that
look like muscle but are background.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

THIGH_KNOTS = (0.0, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 0.95, 1.05)


@dataclass(frozen=True)
class SiteTable:
    """Knot table of one muscle site.

    Attributes:
        name: Anatomical name.
        label: Label value (0 for background confounders).
        knots: Values of t where the table is given.
        angle: Centre angle in degrees (unwrapped, so interpolation is continuous).
        depth: Centre position as a fraction of the shaft-to-fascia distance.
        size: Radius as a fraction of the compartment's mean radius (0 = absent).
        belly: 1 for muscle belly, 0 for pure tendon.
    """

    name: str
    label: int
    knots: tuple[float, ...]
    angle: tuple[float, ...]
    depth: tuple[float, ...]
    size: tuple[float, ...]
    belly: tuple[float, ...]


def _thigh(name: str, label: int, angle, depth, size, belly) -> SiteTable:
    return SiteTable(name, label, THIGH_KNOTS, tuple(angle), tuple(depth), tuple(size), tuple(belly))


SITES: tuple[SiteTable, ...] = (
    _thigh(
        "sartorius",
        1,
        [55, 40, 0, -40, -70, -100, -125, -140, -145],
        [0.8, 0.84, 0.86, 0.86, 0.86, 0.86, 0.86, 0.85, 0.85],
        [0.10, 0.15, 0.19, 0.2, 0.2, 0.21, 0.21, 0.16, 0.1],
        [1, 1, 1, 1, 1, 1, 1, 0.5, 0],
    ),
    _thigh(
        "rectus_femoris",
        2,
        [25, 10, 0, 0, 0, 0, 0, 5, 0],
        [0.7, 0.7, 0.7, 0.7, 0.7, 0.72, 0.72, 0.7, 0.7],
        [0.15, 0.3, 0.34, 0.34, 0.3, 0.25, 0.16, 0.12, 0.08],
        [1, 1, 1, 1, 1, 0.9, 0.3, 0, 0],
    ),
    _thigh(
        "vastus_lateralis",
        3,
        [95, 95, 100, 100, 100, 95, 85, 70, 60],
        [0.5, 0.55, 0.6, 0.6, 0.6, 0.58, 0.55, 0.5, 0.5],
        [0.15, 0.38, 0.48, 0.5, 0.48, 0.4, 0.28, 0.14, 0.06],
        [1, 1, 1, 1, 1, 1, 1, 0.3, 0],
    ),
    _thigh(
        "vastus_intermedius",
        4,
        [40, 30, 30, 25, 20, 15, 10, 0, 0],
        [0.35, 0.35, 0.38, 0.4, 0.42, 0.42, 0.42, 0.4, 0.4],
        [0.1, 0.25, 0.3, 0.33, 0.35, 0.33, 0.25, 0.1, 0.05],
        [1, 1, 1, 1, 1, 1, 0.9, 0.2, 0],
    ),
    _thigh(
        "vastus_medialis",
        5,
        [-45, -45, -45, -50, -55, -55, -55, -50, -40],
        [0.5, 0.5, 0.55, 0.6, 0.6, 0.62, 0.62, 0.6, 0.6],
        [0.02, 0.1, 0.18, 0.25, 0.33, 0.45, 0.5, 0.3, 0.08],
        [0, 0.7, 1, 1, 1, 1, 1, 0.7, 0],
    ),
    _thigh(
        "adductors",
        6,
        [-110, -115, -120, -125, -130, -135, -140, -130, -120],
        [0.6, 0.6, 0.6, 0.55, 0.5, 0.45, 0.42, 0.4, 0.4],
        [0.35, 0.55, 0.6, 0.55, 0.45, 0.3, 0.14, 0.05, 0.02],
        [1, 1, 1, 1, 1, 1, 0.6, 0.1, 0],
    ),
    _thigh(
        "gracilis",
        7,
        [-95, -100, -105, -110, -115, -120, -128, -135, -140],
        [0.88, 0.88, 0.88, 0.88, 0.88, 0.86, 0.85, 0.85, 0.85],
        [0.12, 0.16, 0.17, 0.17, 0.17, 0.16, 0.13, 0.09, 0.05],
        [1, 1, 1, 1, 1, 1, 0.7, 0.2, 0],
    ),
    _thigh(
        "biceps_femoris",
        8,
        [185, 170, 160, 155, 150, 140, 130, 115, 105],
        [0.7, 0.7, 0.7, 0.7, 0.68, 0.65, 0.62, 0.65, 0.7],
        [0.08, 0.15, 0.22, 0.28, 0.33, 0.38, 0.38, 0.22, 0.08],
        [0.3, 1, 1, 1, 1, 1, 1, 0.6, 0],
    ),
    _thigh(
        "semitendinosus",
        9,
        [190, 185, 180, 178, 178, 182, 195, 210, 220],
        [0.75, 0.78, 0.8, 0.8, 0.8, 0.8, 0.8, 0.78, 0.78],
        [0.1, 0.22, 0.28, 0.3, 0.28, 0.22, 0.12, 0.08, 0.06],
        [0.5, 1, 1, 1, 1, 0.8, 0.2, 0, 0],
    ),
    _thigh(
        "semimembranosus",
        10,
        [200, 205, 210, 210, 210, 210, 210, 210, 215],
        [0.55, 0.5, 0.48, 0.48, 0.5, 0.5, 0.5, 0.5, 0.5],
        [0.06, 0.1, 0.15, 0.24, 0.33, 0.4, 0.4, 0.25, 0.1],
        [0, 0.2, 0.5, 1, 1, 1, 1, 0.6, 0],
    ),
    SiteTable(
        "gluteus_maximus",
        0,
        (-0.05, 0.05, 0.15, 0.25, 0.3),
        (170, 165, 160, 150, 140),
        (0.7, 0.72, 0.78, 0.85, 0.9),
        (0.6, 0.5, 0.35, 0.12, 0.0),
        (1, 1, 1, 1, 1),
    ),
    SiteTable(
        "iliopsoas",
        0,
        (-0.05, 0.05, 0.12, 0.16),
        (-20, -40, -80, -110),
        (0.55, 0.5, 0.45, 0.4),
        (0.35, 0.3, 0.18, 0.0),
        (1, 1, 1, 1),
    ),
    SiteTable(
        "tensor_fasciae_latae",
        0,
        (-0.05, 0.05, 0.15, 0.22),
        (65, 70, 80, 90),
        (0.8, 0.82, 0.88, 0.9),
        (0.18, 0.18, 0.1, 0.0),
        (1, 1, 1, 1),
    ),
    SiteTable(
        "quadratus_femoris",
        0,
        (-0.05, 0.05, 0.12),
        (-150, -160, -170),
        (0.4, 0.4, 0.4),
        (0.25, 0.2, 0.0),
        (1, 1, 1),
    ),
    SiteTable(
        "gastrocnemius_medial",
        0,
        (0.85, 0.95, 1.05, 1.2, 1.6),
        (210, 205, 200, 200, 200),
        (0.7, 0.7, 0.7, 0.72, 0.72),
        (0.0, 0.25, 0.4, 0.45, 0.45),
        (1, 1, 1, 1, 1),
    ),
    SiteTable(
        "gastrocnemius_lateral",
        0,
        (0.85, 0.95, 1.05, 1.2, 1.6),
        (150, 155, 155, 155, 155),
        (0.7, 0.7, 0.7, 0.72, 0.72),
        (0.0, 0.2, 0.33, 0.4, 0.4),
        (1, 1, 1, 1, 1),
    ),
    SiteTable(
        "soleus",
        0,
        (1.05, 1.15, 1.3, 1.6),
        (180, 180, 180, 180),
        (0.35, 0.4, 0.4, 0.4),
        (0.0, 0.3, 0.4, 0.4),
        (1, 1, 1, 1),
    ),
    SiteTable(
        "popliteus", 0, (0.98, 1.08, 1.18), (180, 180, 170), (0.3, 0.3, 0.3), (0.0, 0.25, 0.0), (1, 1, 1)
    ),
    SiteTable(
        "tibialis_anterior",
        0,
        (1.05, 1.15, 1.6),
        (50, 55, 55),
        (0.55, 0.55, 0.55),
        (0.0, 0.3, 0.35),
        (1, 1, 1),
    ),
    SiteTable("peroneus", 0, (1.08, 1.2, 1.6), (110, 115, 115), (0.6, 0.6, 0.6), (0.0, 0.28, 0.3), (1, 1, 1)),
)
"""All muscle sites; the first ten are the labelled thigh muscles in label order."""

NUM_SITES = len(SITES)
SITE_LABELS = np.array([site.label for site in SITES], dtype=np.uint8)


def _anisotropy() -> np.ndarray:
    """Distance scale (tangential, radial) of each site; product 1, so the cell area is kept.

    Sartorius and gracilis are flat straps: a site's Voronoi distance is measured
    in an ellipse elongated around the femur (tangentially), which makes their
    cells wide and thin.
    """
    scales = np.ones((NUM_SITES, 2), np.float32)
    for name, ratio in (("sartorius", 3.0), ("gracilis", 2.2)):
        index = [site.name for site in SITES].index(name)
        scales[index] = (np.sqrt(ratio), 1.0 / np.sqrt(ratio))
    return scales


ANISOTROPY = _anisotropy()
"""Per-site ``(tangential, radial)`` distance scales ``(NUM_SITES, 2)``."""

COMPARTMENT_KNOTS = (-0.1, 0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.85, 0.95, 1.05, 1.2, 1.6)
"""Knots of the fascia (muscle compartment) ellipse tables below.

The posterior border (centre - radius, anterior axis) is nearly straight from the
gluteal fold (t = 0.25) to the lower thigh, so the thigh lies along the table."""
COMPARTMENT_CENTRE_LAT = (-35, -35, -30, -22, -15, -10, -8, -6, -4, -2, -2, -2)
COMPARTMENT_CENTRE_ANT = (-25, -25, -22, -16, -12, -15, -17, -16, -14, -15, -15, -15)
COMPARTMENT_RADIUS_LAT = (95, 95, 92, 83, 76, 67, 60, 53, 50, 47, 46, 44)
COMPARTMENT_RADIUS_ANT = (90, 90, 86, 75, 68, 61, 56, 51, 50, 50, 52, 48)
FAT_PROFILE = (1.2, 1.2, 1.15, 1.1, 1.0, 0.95, 0.85, 0.7, 0.55, 0.5, 0.55, 0.6)
"""Subcutaneous fat thickness along the leg, relative to the subject's value."""

VESSEL_KNOTS = (0.0, 0.1, 0.25, 0.4, 0.55, 0.7, 0.8, 0.9, 1.0, 1.1, 1.6)
VESSEL_ANGLE = (-40, -50, -65, -78, -90, -110, -135, -165, -178, -180, -180)
VESSEL_DEPTH = (0.6, 0.6, 0.55, 0.55, 0.55, 0.5, 0.45, 0.45, 0.5, 0.45, 0.45)
VEIN_ANGLE_OFFSET = -13.0
"""The femoral vein runs beside the artery, slightly further posteromedially (degrees)."""


def interpolate_site(site: SiteTable, t: np.ndarray) -> tuple[np.ndarray, ...]:
    """Interpolate a site's table at ``t``; size is 0 outside its knot range.

    Returns:
        ``(angle_deg, depth, size, belly)`` arrays shaped like ``t``.
    """
    knots = np.asarray(site.knots)
    angle = np.interp(t, knots, site.angle)
    depth = np.interp(t, knots, site.depth)
    size = np.interp(t, knots, site.size, left=0.0, right=0.0)
    belly = np.interp(t, knots, site.belly)
    return angle, depth, size, belly
