"""Slab renderer: tissue HU (with partial volume), labels and bone mask before the imaging chain.

Tissues are painted in order (air and table, body fat and skin, pelvic
muscles, each leg's muscle compartment with septa, vessels and tendons,
pelvic organs, bones), each blended with its box partial-volume fraction.
Labels are hard decisions at voxel centres: a voxel is a muscle only if it is
mostly muscle, and never within one voxel of bone nor on a vessel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dataset_conversion.phantom import sdf
from dataset_conversion.phantom.anatomy import SITE_LABELS
from dataset_conversion.phantom.bones import BoneField, leg_bones
from dataset_conversion.phantom.grid import GridSpec
from dataset_conversion.phantom.leg_frame import T_MAX, T_MIN, LegFrame
from dataset_conversion.phantom.parameters import SubjectParams
from dataset_conversion.phantom.parts import Part
from dataset_conversion.phantom.pelvis import PELVIS_BOTTOM, pelvis_bones, pelvis_muscles, pelvis_organs

TABLE_THICKNESS = 35.0
TABLE_HALF_WIDTH = 240.0
TABLE_FAT_MIN = 2.0
"""Fat (mm) kept between a flattened muscle compartment and the table."""
BONE_LABEL_MARGIN = 1.0
"""Labels keep this many voxels away from bone surfaces (partial volume with cortex is never a muscle)."""


@dataclass
class Slab:
    """Rendered slices ``[k0, k1)``: clean HU, labels and bone mask, each ``(k1 - k0, ny, nx)``."""

    hu: np.ndarray
    labels: np.ndarray
    bone: np.ndarray


def trunk_radii(subject: SubjectParams) -> tuple[float, float, float]:
    """Half axes ``(rx, ry)`` of the trunk's skin ellipse and the world y of its centre."""
    fat = subject.fat_thickness
    return (
        subject.hip_half_width + 75.0 * subject.scale + fat,
        105.0 * subject.scale + fat,
        15.0 * subject.scale,
    )


def trunk_distance(subject: SubjectParams, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Signed distance to the trunk (lower abdomen, pelvis, buttocks); it ends at the crotch."""
    rx, ry, centre_y = trunk_radii(subject)
    distance = sdf.ellipse_radial(x, y - np.float32(centre_y), np.float32(rx), np.float32(ry))
    return distance + 1.5 * np.maximum(-subject.crotch_depth - z, 0.0)


class Scene:
    """A subject placed on a grid, ready to render slab by slab.

    Args:
        subject: The subject's parameters.
        grid: The canonical grid.
        parts: Extra parts that conditions add (arms, implants, ...); see :mod:`~dataset_conversion.phantom.parts`.
    """

    def __init__(self, subject: SubjectParams, grid: GridSpec, parts: Sequence[Part] = ()):
        self.subject = subject
        self.grid = grid
        self.parts = list(parts)
        self.frames = [LegFrame(leg) for leg in subject.legs]
        self.voxel = float(min(grid.spacing[0], grid.spacing[1]))
        x, y = grid.axis(0), grid.axis(1)
        self.table_top = (subject.table_y - x**2 / (2.0 * subject.table_radius)).astype(np.float32)
        self.table = self._table(x, y)
        self.pelvis_z = (PELVIS_BOTTOM * subject.scale, subject.crest_height + 60.0)

    def _table(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """HU of air and the curved table on one axial slice ``(ny, nx)``."""
        s = self.subject
        top = self.table_top[None, :]
        yy = y[:, None]
        edge = np.abs(x)[None, :] - TABLE_HALF_WIDTH
        outer = np.maximum(np.maximum(top - yy, yy - (top + TABLE_THICKNESS)), edge)
        core = np.maximum(np.maximum(top + 3.0 - yy, yy - (top + TABLE_THICKNESS - 2.0)), edge + 3.0)
        f_out, f_core = sdf.fraction(outer, self.voxel), sdf.fraction(core, self.voxel)
        hu = -1000.0 * (1 - f_out) + s.table_shell_hu * (f_out - f_core) + s.table_foam_hu * f_core
        return hu.astype(np.float32)

    def render(self, k0: int, k1: int) -> Slab:
        """Render slices ``k0`` to ``k1 - 1`` of the grid."""
        g, s, h = self.grid, self.subject, self.voxel
        nz, ny, nx = k1 - k0, g.shape[1], g.shape[2]
        z = g.axis(2)[k0:k1]
        x = np.broadcast_to(g.axis(0)[None, None, :], (nz, ny, nx)).ravel()
        y = np.broadcast_to(g.axis(1)[None, :, None], (nz, ny, nx)).ravel()
        zz = np.broadcast_to(z[:, None, None], (nz, ny, nx)).ravel()
        hu = np.broadcast_to(self.table[None], (nz, ny, nx)).ravel().copy()
        table_top = np.broadcast_to(self.table_top, (nz, ny, nx)).ravel()
        past_end = z < np.float32(s.table_end_z)
        if past_end.any():
            # No table below its end (a knee bent over it): air, and nothing to flatten against.
            beyond = np.broadcast_to(past_end[:, None, None], (nz, ny, nx)).ravel()
            hu[beyond] = -1000.0
            table_top = np.where(beyond, np.float32(np.inf), table_top)
        labels = np.zeros(hu.shape, np.uint8)
        bone = np.zeros(hu.shape, bool)
        nolabel = np.zeros(hu.shape, bool)

        legs = [self._leg_points(frame, x, y, zz) for frame in self.frames]
        extras = [(part, part.select(x, y, zz)) for part in self.parts]
        extras = [(part, idx, x[idx], y[idx], zz[idx]) for part, idx in extras if idx.size]
        body = self._trunk(x, y, zz)
        for frame, (idx, u, v, w) in zip(self.frames, legs, strict=True):
            body[idx] = sdf.smooth_min(body[idx], self._leg_envelope(frame, u, v, w), 15.0)
        for part, idx, px_, py_, pz_ in extras:
            envelope = part.envelope(px_, py_, pz_)
            if envelope is not None:
                body[idx] = sdf.smooth_min(body[idx], envelope, part.fillet)
        body = np.maximum(body, y - table_top)
        f_body = sdf.fraction(body, h)
        f_fat = sdf.fraction(body + s.skin_thickness, h)
        hu = hu * (1 - f_body) + s.skin_hu * (f_body - f_fat) + s.fat_hu * f_fat
        inside = np.flatnonzero(body < h)
        pelvic = inside[(zz[inside] > self.pelvis_z[0]) & (zz[inside] < self.pelvis_z[1])]

        if pelvic.size:
            px, py, pz = x[pelvic], y[pelvic], zz[pelvic]
            f = np.minimum(
                sdf.fraction(pelvis_muscles(s, px, py, pz), h),
                sdf.fraction(body[pelvic] + s.skin_thickness + 0.6 * s.fat_thickness, h),
            )
            hu[pelvic] = hu[pelvic] * (1 - f) + self._background_muscle_hu() * f
        for part, idx, px_, py_, pz_ in extras:
            for distance, value in part.tissues(px_, py_, pz_):
                f = sdf.fraction(distance, h)
                hu[idx] = hu[idx] * (1 - f) + value * f
        table_gap = y - table_top
        for frame, (idx, u, v, w) in zip(self.frames, legs, strict=True):
            self._paint_leg(frame, idx, u, v, w, table_gap[idx], hu, labels, nolabel)
        if pelvic.size:
            cavity = pelvic[(np.abs(px) < 110 * s.scale) & (pz > -60 * s.scale)]
            for distance, value in pelvis_organs(s, x[cavity], y[cavity], zz[cavity]):
                f = sdf.fraction(distance, h)
                hu[cavity] = hu[cavity] * (1 - f) + value * f
                nolabel[cavity[distance < 0.5 * h]] = True
        for frame, (idx, u, v, w) in zip(self.frames, legs, strict=True):
            for field in leg_bones(frame, u, v, w):
                self._paint_bone(field, idx, hu, bone, nolabel)
        if pelvic.size:
            for field in pelvis_bones(s, px, py, pz):
                self._paint_bone(field, pelvic, hu, bone, nolabel)
        for part, idx, px_, py_, pz_ in extras:
            for field in part.bones(px_, py_, pz_):
                self._paint_bone(field, idx, hu, bone, nolabel)
        labels[nolabel] = 0
        shape = (nz, ny, nx)
        return Slab(hu.reshape(shape), labels.reshape(shape), bone.reshape(shape))

    def _background_muscle_hu(self) -> float:
        legs = self.subject.legs
        return float(np.mean([np.mean(leg.muscle_hu) * (1 - 1.2 * leg.fat_infiltration) for leg in legs]))

    def _trunk(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        return trunk_distance(self.subject, x, y, z)

    def _leg_points(
        self, frame: LegFrame, x: np.ndarray, y: np.ndarray, z: np.ndarray
    ) -> tuple[np.ndarray, ...]:
        """Indices of the slab points near one leg and their leg coordinates."""
        u, v, w = frame.world_to_leg(x, y, z)
        t = w / np.float32(frame.params.femur_length)
        bound = (
            np.hypot(frame.comp_u, frame.comp_v)
            + np.maximum(frame.comp_ru, frame.comp_rv)
            + 1.4 * frame.fat
            + 10.0
        ).astype(np.float32)
        radius2 = u * u + v * v
        candidate = (t > T_MIN) & (t < T_MAX)
        idx = np.flatnonzero(candidate)
        keep = radius2[idx] < bound[frame.t_index(t[idx])] ** 2
        idx = idx[keep]
        return idx, u[idx], v[idx], w[idx]

    def _compartment(
        self, frame: LegFrame, u: np.ndarray, v: np.ndarray, w: np.ndarray
    ) -> tuple[np.ndarray, ...]:
        """Fascia signed distance, level index and angle around the compartment centre."""
        length = np.float32(frame.params.femur_length)
        t = w / length
        it = frame.t_index(t)
        du = u - frame.comp_u[it].astype(np.float32)
        dv = v - frame.comp_v[it].astype(np.float32)
        fascia = sdf.ellipse_radial(du, dv, frame.comp_ru[it], frame.comp_rv[it]).astype(np.float32)
        fascia += 3.0 * length * np.maximum(0.02 - t, 0.0) + length * np.maximum(t - (T_MAX - 0.05), 0.0)
        return fascia, it, np.arctan2(du, dv)

    def _leg_envelope(self, frame: LegFrame, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Signed distance to the skin surface of one leg."""
        fascia, it, theta = self._compartment(frame, u, v, w)
        fat = frame.fat[it] * (1.0 + 0.35 * np.cos(theta + np.deg2rad(135.0)))
        return (fascia - fat - self.subject.skin_thickness).astype(np.float32)

    def _paint_leg(self, frame, idx, u, v, w, table_gap, hu, labels, nolabel) -> None:
        """Paint one leg's muscle compartment, vessels and tendons; set its labels.

        Where the leg presses on the table the compartment is flattened too, keeping
        skin and a thin fat layer between muscle and table.
        """
        from dataset_conversion.phantom.muscles import paint_compartment

        fascia, it, _ = self._compartment(frame, u, v, w)
        fascia = np.maximum(fascia, table_gap + np.float32(self.subject.skin_thickness + TABLE_FAT_MIN))
        inner = np.flatnonzero(fascia < self.voxel)
        if inner.size == 0:
            return
        sub = idx[inner]
        value, site, is_muscle = paint_compartment(
            frame, self.subject, u[inner], v[inner], w[inner], it[inner], fascia[inner], self.voxel
        )
        f_c = sdf.fraction(fascia[inner], self.voxel)
        hu[sub] = hu[sub] * (1 - f_c) + value * f_c
        labels[sub] = np.where(is_muscle, SITE_LABELS[site], labels[sub])
        self._paint_vessels_and_tendons(frame, sub, u[inner], v[inner], w[inner], it[inner], hu, nolabel)

    def _paint_vessels_and_tendons(self, frame, sub, u, v, w, it, hu, nolabel) -> None:
        s, h, p = self.subject, self.voxel, frame.params
        t = w / np.float32(p.femur_length)
        active = (t > 0.0) & (t < 1.4)
        for (vu, vv), radius in zip(frame.vessels, (p.artery_radius, p.vein_radius), strict=True):
            d = np.hypot(u - vu[it], v - vv[it]).astype(np.float32) - radius
            d = np.where(active, d, np.float32(1e3))
            f_halo, f_vessel = sdf.fraction(d - 1.2, h), sdf.fraction(d, h)
            hu[sub] = hu[sub] * (1 - f_halo) + s.fat_hu * f_halo
            hu[sub] = hu[sub] * (1 - f_vessel) + s.blood_hu * f_vessel
            nolabel[sub[d < 1.2 + 0.5 * h]] = True
        b, length = p.bone_scale, p.femur_length
        tendons = [
            ((0.0, 42.0 * b, length - 5.0 * b), (0.0, 24.0 * b, length + 58.0 * b), 6.0 * b),
            ((0.0, 32.0 * b, length - 80.0 * b), (0.0, 44.0 * b, length - 40.0 * b), 6.0 * b),
        ]
        for start, end, radius in tendons:
            d = sdf.capsule((u, v, w), np.array(start), np.array(end), radius, radius)
            f = sdf.fraction(d, h)
            hu[sub] = hu[sub] * (1 - f) + s.tendon_hu * f
            nolabel[sub[d < 0.5 * h]] = True

    def _paint_bone(self, field: BoneField, idx, hu, bone, nolabel) -> None:
        """Blend a bone (cortex and inner HU) into the slab and mark the bone mask."""
        h = self.voxel
        near = np.flatnonzero(field.distance < BONE_LABEL_MARGIN * h + 0.5 * h)
        if near.size == 0:
            return
        d, sub = field.distance[near], idx[near]
        f_out = sdf.fraction(d, h)
        f_in = sdf.fraction(d + field.cortex[near], h)
        hu[sub] = hu[sub] * (1 - f_out) + field.cortex_hu * (f_out - f_in) + field.inner_hu[near] * f_in
        bone[sub[d < 0.5 * h]] = True
        nolabel[sub[d < BONE_LABEL_MARGIN * h]] = True
