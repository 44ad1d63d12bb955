"""Muscle compartment of one leg: weighted Voronoi packing of the sites with fat septa.

Each point of the compartment is claimed by the site with the smallest score
``distance / size`` (a multiplicatively weighted Voronoi diagram), so
neighbouring muscles share borders. Fat fills what no site claims; septa of
sub-voxel thickness separate neighbours with a partial-volume fraction that
depends on the distance to the border relative to the voxel size.
"""

from __future__ import annotations

import numpy as np

from dataset_conversion.phantom import sdf
from dataset_conversion.phantom.anatomy import SITE_LABELS
from dataset_conversion.phantom.leg_frame import LegFrame
from dataset_conversion.phantom.parameters import SubjectParams

FASCIA_SEPTUM = 1.0
EDGE_SEPTUM = 1.0
FAR = np.float32(1e6)
MOSTLY_MUSCLE = 0.55
"""Muscle fraction a voxel needs (before blur) to be labelled as that muscle."""


def texture(waves: np.ndarray, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Smooth random field with unit variance, streaky along the leg (marbling, texture)."""
    field = np.zeros(u.shape, np.float32)
    for kx, ky, kz, phase, amplitude in waves.astype(np.float32):
        field += amplitude * np.cos(kx * u + ky * v + kz * w + phase)
    return field


def paint_compartment(
    frame: LegFrame,
    subject: SubjectParams,
    u: np.ndarray,
    v: np.ndarray,
    w: np.ndarray,
    it: np.ndarray,
    fascia: np.ndarray,
    voxel: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HU inside the fascia, winning site and muscle decision of compartment points.

    Args:
        frame: The leg.
        subject: The subject (fat and tendon HU).
        u: Lateral leg coordinate of the points ``(N,)``.
        v: Anterior leg coordinate ``(N,)``.
        w: Distal leg coordinate ``(N,)``.
        it: Index of each point's level in the leg tables ``(N,)``.
        fascia: Signed distance to the fascia ``(N,)``.
        voxel: In-plane voxel size (mm).

    Returns:
        ``(hu, site, is_muscle)``: HU of the compartment content, index of the
        claiming site, and whether the voxel is labelled as that site's muscle.
    """
    p = frame.params
    rows = np.arange(u.size)
    du = u[:, None] - frame.site_u[it]
    dv = v[:, None] - frame.site_v[it]
    size = frame.site_size[it]
    dist = np.sqrt(du * du + dv * dv) + np.float32(1e-3)
    present = size > 0.5
    score = np.where(present, dist / np.maximum(size, 0.5), FAR)
    pair = np.argpartition(score, 1, axis=1)[:, :2]
    s_pair = np.take_along_axis(score, pair, axis=1)
    swap = s_pair[:, 1] < s_pair[:, 0]
    first = np.where(swap, pair[:, 1], pair[:, 0])
    second = np.where(swap, pair[:, 0], pair[:, 1])
    s1, s2 = score[rows, first], score[rows, second]

    def gradient(k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scale = 1.0 / (dist[rows, k] * np.maximum(size[rows, k], 0.5))
        return du[rows, k] * scale, dv[rows, k] * scale

    g1u, g1v = gradient(first)
    g2u, g2v = gradient(second)
    slope = np.hypot(g2u - g1u, g2v - g1v)
    border = np.where(s2 < FAR, (s2 - s1) / np.maximum(slope, 1e-6), FAR).astype(np.float32)
    edge = ((1.0 - s1) * size[rows, first]).astype(np.float32)
    septum = p.septum[first, second].astype(np.float32)
    f_muscle = (
        (1.0 - sdf.septum_fat(border, septum, voxel))
        * np.clip((edge - 0.5 * EDGE_SEPTUM) / voxel + 0.5, 0.0, 1.0)
        * np.clip((-fascia - 0.5 * FASCIA_SEPTUM) / voxel + 0.5, 0.0, 1.0)
    )
    belly = frame.site_belly[it, first]
    field = texture(p.waves, u, v, w)
    infiltration = p.fat_infiltration
    marbling = sdf.smoothstep((field - 1.1) / 0.9) * min(1.0, 6.0 * infiltration)
    base = (
        p.muscle_hu[first].astype(np.float32) * (1 - 0.6 * infiltration) + subject.fat_hu * 0.6 * infiltration
    )
    muscle_hu = base * (1 - marbling) + subject.fat_hu * marbling + 3.0 * field
    b = sdf.smoothstep((belly - 0.3) / 0.4)
    tissue = b * muscle_hu + (1 - b) * subject.tendon_hu
    hu = subject.fat_hu * (1 - f_muscle) + tissue * f_muscle
    is_muscle = (
        (f_muscle >= MOSTLY_MUSCLE) & (belly >= 0.5) & (s1 <= 1.0) & (fascia < 0) & (SITE_LABELS[first] > 0)
    )
    return hu.astype(np.float32), first, is_muscle
