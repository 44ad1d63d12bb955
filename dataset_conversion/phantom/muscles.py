"""Muscle compartment of one leg: weighted Voronoi packing of the sites with fat septa.

Each point of the compartment is claimed by the site with the smallest score
``distance / size`` (a multiplicatively weighted Voronoi diagram; the distance
is elliptical, elongated around the femur, for the strap muscles sartorius and
gracilis), so neighbouring muscles share borders. Muscle bellies fill their
cells up to the fascia, the femur and the vessels (painted over them): only fat
septa of sub-voxel thickness separate neighbours, with a partial-volume
fraction that depends on the distance to the border relative to the voxel
size, plus small fat pockets where three cells meet. Where a site turns to
tendon, and near the knee, it shrinks to a round blob of radius ``size`` in fat.
"""

from __future__ import annotations

import numpy as np

from dataset_conversion.phantom import sdf
from dataset_conversion.phantom.anatomy import ANISOTROPY, SITE_LABELS
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
    size = np.maximum(frame.site_size[it], np.float32(0.5))
    # Elliptical distance in each site's local frame (radial = away from the femur shaft).
    eru, erv = frame.site_er_u[it], frame.site_er_v[it]
    dr = du * eru + dv * erv
    dt = du * erv - dv * eru
    a_t, a_r = ANISOTROPY[:, 0], ANISOTROPY[:, 1]
    q = np.sqrt((dt / a_t) ** 2 + (dr / a_r) ** 2) + np.float32(1e-3)
    present = frame.site_size[it] > 0.5
    score = np.where(present, q / size, FAR)
    del present
    trio = np.argpartition(score, 2, axis=1)[:, :3]
    order = np.argsort(np.take_along_axis(score, trio, axis=1), axis=1)
    trio = np.take_along_axis(trio, order, axis=1)
    first, second, third = trio[:, 0], trio[:, 1], trio[:, 2]
    s1, s2, s3 = score[rows, first], score[rows, second], score[rows, third]

    def gradient(k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gradient of site k's score at the points."""
        at2, ar2 = a_t[k] ** 2, a_r[k] ** 2
        gt, gr = dt[rows, k] / at2, dr[rows, k] / ar2
        scale = 1.0 / (q[rows, k] * size[rows, k])
        eu, ev = eru[rows, k], erv[rows, k]
        return (gt * ev + gr * eu) * scale, (-gt * eu + gr * ev) * scale

    def border_distance(k: np.ndarray, sk: np.ndarray, g1: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Approximate distance (mm) to the border between the winning site and site ``k``."""
        gku, gkv = gradient(k)
        slope = np.hypot(gku - g1[0], gkv - g1[1])
        return np.where(sk < FAR, (sk - s1) / np.maximum(slope, 1e-6), FAR).astype(np.float32)

    g1 = gradient(first)
    border = border_distance(second, s2, g1)
    border3 = border_distance(third, s3, g1)
    septum = p.septum[first, second].astype(np.float32)
    # Fully packed: a muscle belly fills its Voronoi cell up to the septa; only where a
    # site turns to tendon (or near the knee) is it a round blob of radius ``size``
    # surrounded by fat, as before.
    t = w / np.float32(p.femur_length)
    belly = frame.site_belly[it, first]
    pack = 1.0 + 8.0 * sdf.smoothstep((belly - 0.3) / 0.5) * sdf.smoothstep((0.98 - t) / 0.1)
    edge = (pack - s1) * size[rows, first]
    pocket = np.maximum(border, border3) - np.float32(p.pocket_mm)
    f_muscle = (
        (1.0 - sdf.septum_fat(border, septum, voxel))
        * np.clip((edge - 0.5 * EDGE_SEPTUM) / voxel + 0.5, 0.0, 1.0)
        * np.clip((-fascia - 0.5 * FASCIA_SEPTUM) / voxel + 0.5, 0.0, 1.0)
        * np.clip(pocket / voxel + 0.5, 0.0, 1.0)
        * (s1 < FAR)
    )
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
    is_muscle = (f_muscle >= MOSTLY_MUSCLE) & (belly >= 0.5) & (fascia < 0) & (SITE_LABELS[first] > 0)
    return hu.astype(np.float32), first, is_muscle
