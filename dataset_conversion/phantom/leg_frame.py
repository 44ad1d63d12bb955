"""The pose of one leg and its coordinate frame, with per-level tables of muscle sites.

Leg coordinates ``(u, v, w)`` in mm: ``w`` along the mechanical axis from the
femoral head centre towards the knee centre, ``u`` lateral and ``v`` anterior
in the perpendicular plane. They are the neutral-pose anatomy; the pose
(abduction, flexion, internal rotation) maps them to the world. Left legs are
mirror images of right legs (``u`` points to the patient's left).

A knee pose (``knee_flexion``, ``knee_adduction``) turns the shin, everything
beyond the plane ``w = femur_length``, about an axis through the knee pivot.
Points on the thigh's side of that plane keep their leg coordinates exactly,
so the thigh is unchanged; points beyond it are mapped back through the
inverse turn, and the wedge that opens between the two planes (in front of a
flexed knee) takes the knee's cross-section swept about the axis.
"""

from __future__ import annotations

import numpy as np

from dataset_conversion.phantom import anatomy
from dataset_conversion.phantom.parameters import LegParams

T_MIN, T_MAX, T_STEPS = -0.15, 1.6, 700


def _rotation(axis: int, angle_deg: float) -> np.ndarray:
    """Right-handed rotation matrix about coordinate ``axis`` (0, 1, 2)."""
    a = np.deg2rad(angle_deg)
    c, s = np.cos(a), np.sin(a)
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    matrix = np.eye(3)
    matrix[i, i], matrix[i, j], matrix[j, i], matrix[j, j] = c, -s, s, c
    return matrix


def _axis_rotation(vector: np.ndarray) -> np.ndarray:
    """Rotation matrix of a rotation vector (axis times angle in radians; Rodrigues' formula)."""
    angle = float(np.linalg.norm(vector))
    if angle == 0.0:
        return np.eye(3)
    k = np.array(vector, dtype=float) / angle
    cross = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + np.sin(angle) * cross + (1.0 - np.cos(angle)) * cross @ cross


KNEE_PIVOT_V = -6.0
"""Anterior offset (mm x bone scale) of the knee's turning axis: through the femoral condyle centres."""

COMPARTMENT_EXPONENT = 0.4
"""The compartment scales as ``(bone_scale * muscle_scale) ** COMPARTMENT_EXPONENT``."""


def compartment_scale(params: LegParams) -> float:
    """Scale of the muscle compartment tables of a leg (body size and atrophy, compressed).

    Thin elderly legs keep a mid-thigh compartment of about 110 mm across, large
    muscular ones about 145 mm; the whole thigh adds the subcutaneous fat.
    """
    return float((params.bone_scale * params.muscle_scale) ** COMPARTMENT_EXPONENT)


class LegFrame:
    """Geometry of one posed leg.

    Attributes:
        params: The leg's parameters.
        to_leg: ``(3, 3)`` matrix mapping world offsets from the head centre to ``(u, v, w)``.
        knee_centre_world: Knee centre in world mm.
        shaft_top: Point of the femoral shaft axis at ``w = 0`` in leg coordinates.
        shaft_dir: Unit direction of the femoral shaft axis (towards the knee) in leg coordinates.
        knee_pivot: Point of the knee's turning axis in leg coordinates.
        shin_rotation: ``(3, 3)`` turn of the shin about the pivot in leg coordinates (identity by default).
        shin_world_rotation: The same turn as a rotation of world vectors.
    """

    def __init__(self, params: LegParams):
        self.params = params
        length = params.femur_length
        tilt = np.deg2rad(params.knee_tilt)
        # Neutral local frame (lat, ant, sup); the knee sits slightly medial of the head.
        knee_local = np.array([-length * np.sin(tilt), 0.0, -length * np.cos(tilt)])
        mech = knee_local / np.linalg.norm(knee_local)
        ant = np.array([0.0, 1.0, 0.0])
        e_ant = ant - (ant @ mech) * mech
        e_ant /= np.linalg.norm(e_ant)
        e_lat = np.cross(mech, e_ant)
        q = np.stack([e_lat, e_ant, mech], axis=1)  # columns: leg axes in local coordinates
        pose = _rotation(1, -params.abduction) @ _rotation(0, params.flexion) @ _rotation(2, params.rotation)
        base = np.array([[params.sign, 0, 0], [0, -1, 0], [0, 0, 1]], dtype=float)  # local -> world
        self.leg_to_world = base @ pose @ q
        self.to_leg = self.leg_to_world.T
        self.knee_centre_world = params.hip_centre + self.leg_to_world @ np.array([0.0, 0.0, length])
        # Femoral neck and shaft in leg coordinates.
        dep, av = np.deg2rad(params.neck_depression), np.deg2rad(params.anteversion)
        self.neck_base = params.neck_length * np.array(
            [np.cos(dep) * np.cos(av), -np.cos(dep) * np.sin(av), np.sin(dep)]
        )
        knee = np.array([0.0, 0.0, length])
        direction = knee - self.neck_base
        self.shaft_dir = direction / np.linalg.norm(direction)
        self.shaft_top = self.neck_base - self.shaft_dir * (self.neck_base[2] / self.shaft_dir[2])
        self.shaft_length = float(np.linalg.norm(knee - self.shaft_top))
        self._pose_shin()
        self._build_tables()

    def _pose_shin(self) -> None:
        """Turn of the shin: flexion about ``u`` (ankle posterior), adduction about ``-v`` (ankle medial)."""
        p = self.params
        self.knee_pivot = np.array([0.0, KNEE_PIVOT_V * p.bone_scale, p.femur_length])
        vector = np.deg2rad(np.array([p.knee_flexion, -p.knee_adduction, 0.0]))
        self.knee_bent = bool(np.any(vector != 0.0))
        self.shin_rotation = _axis_rotation(vector)
        self.shin_world_rotation = (
            self.leg_to_world @ self.shin_rotation @ self.to_leg if self.knee_bent else np.eye(3)
        )
        axis = vector / max(float(np.linalg.norm(vector)), 1e-12)
        self._knee_axis = axis
        self._knee_towards = np.cross(axis, np.array([0.0, 0.0, 1.0]))  # where the shin turns to

    def world_to_leg(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, ...]:
        """Map world coordinates (arrays) to leg coordinates ``(u, v, w)`` (float32)."""
        h = self.params.hip_centre
        m = self.to_leg.astype(np.float32)
        dx, dy, dz = (x - np.float32(h[0])), (y - np.float32(h[1])), (z - np.float32(h[2]))
        u, v, w = (m[i, 0] * dx + m[i, 1] * dy + m[i, 2] * dz for i in range(3))
        if self.knee_bent:
            u, v, w = self._unbend(u, v, w)
        return u, v, w

    def _unbend(self, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
        """Leg coordinates of the unturned shin for points beyond the knee plane (thigh points kept)."""
        pivot = self.knee_pivot.astype(np.float32)
        shin = np.flatnonzero(w > pivot[2])
        if shin.size == 0:
            return u, v, w
        d = np.stack([u[shin] - pivot[0], v[shin] - pivot[1], w[shin] - pivot[2]])
        back = self.shin_rotation.T.astype(np.float32) @ d
        wedge = back[2] < 0.0  # between the thigh's end plane and the shin's start plane
        if np.any(wedge):
            dw = d[:, wedge]
            along = self._knee_axis.astype(np.float32) @ dw
            towards = self._knee_towards.astype(np.float32) @ dw
            swept = -np.hypot(towards, dw[2])  # the wedge opens on the side away from the turn
            back[:, wedge] = np.outer(self._knee_axis, along) + np.outer(self._knee_towards, swept)
        u, v, w = u.copy(), v.copy(), w.copy()
        u[shin], v[shin], w[shin] = back + pivot[:, None]
        return u, v, w

    def leg_to_world_point(self, point: np.ndarray) -> np.ndarray:
        """Map one point in leg coordinates to world mm (a point below the knee follows the shin's turn)."""
        point = np.asarray(point, dtype=float)
        if self.knee_bent and point[2] > self.knee_pivot[2]:
            point = self.knee_pivot + self.shin_rotation @ (point - self.knee_pivot)
        return self.params.hip_centre + self.leg_to_world @ point

    def shaft_offset(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """In-plane position ``(u, v)`` of the femoral shaft axis at level ``t`` (the tibia below the knee)."""
        w = np.minimum(t, 1.0) * self.params.femur_length
        s = (w - self.shaft_top[2]) / self.shaft_dir[2]
        return self.shaft_top[0] + s * self.shaft_dir[0], self.shaft_top[1] + s * self.shaft_dir[1]

    def _build_tables(self) -> None:
        """Tabulate compartment, sites and vessels on a fine grid of t."""
        p = self.params
        t = np.linspace(T_MIN, T_MAX, T_STEPS)
        self.t_grid = t
        su, sv = self.shaft_offset(t)
        k = anatomy.COMPARTMENT_KNOTS
        scale = compartment_scale(p)
        self.comp_u = su + np.interp(t, k, anatomy.COMPARTMENT_CENTRE_LAT) * scale
        self.comp_v = sv + np.interp(t, k, anatomy.COMPARTMENT_CENTRE_ANT) * scale
        self.comp_ru = np.interp(t, k, anatomy.COMPARTMENT_RADIUS_LAT) * scale
        self.comp_rv = np.interp(t, k, anatomy.COMPARTMENT_RADIUS_ANT) * scale
        self.fat = np.interp(t, k, anatomy.FAT_PROFILE) * p.fat_thickness
        mean_radius = np.sqrt(self.comp_ru * self.comp_rv)
        n = anatomy.NUM_SITES
        self.site_u = np.zeros((T_STEPS, n), np.float32)
        self.site_v = np.zeros((T_STEPS, n), np.float32)
        self.site_size = np.zeros((T_STEPS, n), np.float32)
        self.site_belly = np.zeros((T_STEPS, n), np.float32)
        self.site_er_u = np.zeros((T_STEPS, n), np.float32)
        self.site_er_v = np.zeros((T_STEPS, n), np.float32)
        for i, site in enumerate(anatomy.SITES):
            angle, depth, size, belly = anatomy.interpolate_site(site, t)
            angle = angle + p.site_jitter[i, 0]
            reach = self._ray_to_fascia(su, sv, np.deg2rad(angle))
            radius = depth * p.site_jitter[i, 1] * reach
            self.site_u[:, i] = su + radius * np.sin(np.deg2rad(angle))
            self.site_v[:, i] = sv + radius * np.cos(np.deg2rad(angle))
            self.site_size[:, i] = size * p.site_jitter[i, 2] * mean_radius
            self.site_belly[:, i] = belly
            self.site_er_u[:, i] = np.sin(np.deg2rad(angle))
            self.site_er_v[:, i] = np.cos(np.deg2rad(angle))
        angle = np.deg2rad(np.interp(t, anatomy.VESSEL_KNOTS, anatomy.VESSEL_ANGLE))
        depth = np.interp(t, anatomy.VESSEL_KNOTS, anatomy.VESSEL_DEPTH)
        self.vessels = []
        for offset in (0.0, np.deg2rad(anatomy.VEIN_ANGLE_OFFSET)):
            reach = self._ray_to_fascia(su, sv, angle + offset)
            self.vessels.append(
                (su + depth * reach * np.sin(angle + offset), sv + depth * reach * np.cos(angle + offset))
            )

    def _ray_to_fascia(self, su: np.ndarray, sv: np.ndarray, angle: np.ndarray) -> np.ndarray:
        """Distance from the shaft axis to the fascia ellipse along ``angle`` (0 = anterior)."""
        du, dv = np.sin(angle), np.cos(angle)
        pu, pv = su - self.comp_u, sv - self.comp_v
        a = (du / self.comp_ru) ** 2 + (dv / self.comp_rv) ** 2
        b = 2 * (pu * du / self.comp_ru**2 + pv * dv / self.comp_rv**2)
        c = (pu / self.comp_ru) ** 2 + (pv / self.comp_rv) ** 2 - 1
        disc = np.maximum(b * b - 4 * a * c, 0.0)
        return np.maximum((-b + np.sqrt(disc)) / (2 * a), 5.0)

    def t_index(self, t: np.ndarray) -> np.ndarray:
        """Index into the t tables of each value of ``t`` (nearest)."""
        step = (T_MAX - T_MIN) / (T_STEPS - 1)
        return np.clip(np.rint((t - T_MIN) / step), 0, T_STEPS - 1).astype(np.intp)

    def lesser_trochanter(self) -> np.ndarray:
        """Centre of the lesser trochanter in leg coordinates (posteromedial on the shaft)."""
        w = 0.13 * self.params.femur_length
        su, sv = self.shaft_offset(np.array(w / self.params.femur_length))
        b = self.params.bone_scale
        return np.array([float(su) - 14.0 * b, float(sv) - 10.0 * b, w])

    def posterior_profile(
        self, skin: float, t_range: tuple[float, float] = (0.15, 0.6)
    ) -> tuple[np.ndarray, ...]:
        """World y of the posterior skin and fascia (approximate) at the levels ``t`` in ``t_range``.

        Returns:
            ``(t, skin_y, fascia_y, skin_x)``; larger y is more posterior.
        """
        sel = (self.t_grid >= t_range[0]) & (self.t_grid <= t_range[1])
        t = self.t_grid[sel]
        w = t * self.params.femur_length
        out = []
        for depth in (self.comp_rv[sel] + 1.35 * self.fat[sel] + skin, self.comp_rv[sel]):
            points = np.stack([self.comp_u[sel], self.comp_v[sel] - depth, w])
            out.append(self.params.hip_centre[:, None] + self.leg_to_world @ points)
        return t, out[0][1], out[1][1], out[0][0]

    def posterior_extent(self, skin: float, t_range: tuple[float, float] = (0.2, 0.55)) -> float:
        """Largest world y of the posterior skin (approximate) over ``t_range``."""
        return float(self.posterior_profile(skin, t_range)[1].max())
