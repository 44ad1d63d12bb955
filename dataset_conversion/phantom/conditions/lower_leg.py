"""Lower leg and foot below the phantom's shin, for whole-body fields of view (all background).

In the leg's frame (so it follows the pose): the calf from 40 % of the femur
length below the knee (where the regular leg still renders) to the ankle as a
tapered capsule of skin, fat and muscle, with the tibia and fibula shafts and
the malleoli as bone; the supine foot points anteriorly (world -y) from the
ankle, with a calcaneus/talus block and a metatarsal block as bone. A knee pose
(:mod:`~dataset_conversion.phantom.conditions.knee`) turns calf and foot with the shin.
"""

from __future__ import annotations

import numpy as np

from dataset_conversion.phantom import sdf
from dataset_conversion.phantom.bones import BoneField
from dataset_conversion.phantom.leg_frame import LegFrame
from dataset_conversion.phantom.parts import Part, Tissue

CALF_START_T = 1.4
"""Level (fraction of the femur length from the hip) where the lower-leg part begins."""


class LowerLegPart(Part):
    """Calf, ankle and foot of one leg.

    Args:
        frame: The leg's frame.
        shin_mm: Knee centre to ankle centre (mm).
        foot_mm: Ankle to toes (mm).
        params: The whole-body parameters (``muscle_hu``).
    """

    fillet = 15.0

    def __init__(self, frame: LegFrame, shin_mm: float, foot_mm: float, params: dict):
        p, b = frame.params, frame.params.bone_scale
        length = p.femur_length
        i = int(frame.t_index(np.array(CALF_START_T)))
        self.calf_radius = float(np.sqrt(frame.comp_ru[i] * frame.comp_rv[i]))
        self.fat = float(frame.fat[i])
        self.start = frame.leg_to_world_point(
            np.array([frame.comp_u[i], frame.comp_v[i], CALF_START_T * length])
        )
        self.ankle = frame.leg_to_world_point(np.array([0.0, 2.0 * b, length + shin_mm]))
        turn = frame.shin_world_rotation  # the foot follows a turned shin (identity by default)
        self.heel = self.ankle + turn @ np.array([0.0, 30.0 * b, -45.0 * b])
        self.toes = self.ankle + turn @ np.array([0.0, -foot_mm, -35.0 * b])
        self.hindfoot = self.heel + turn @ (np.array([0.0, -6.0, 8.0]) * b)
        self.tibia = (
            frame.leg_to_world_point(np.array([0.0, 2.0 * b, (CALF_START_T - 0.05) * length])),
            self.ankle,
        )
        self.fibula = (
            frame.leg_to_world_point(np.array([31.0 * b, -15.0 * b, (CALF_START_T - 0.05) * length])),
            frame.leg_to_world_point(np.array([28.0 * b, -12.0 * b, length + shin_mm])),
        )
        self.b, self.p, self.cortex_hu = b, params, p.cortex_hu
        self.inner_hu = p.marrow_hu
        points = np.stack([self.start, self.ankle, self.heel, self.toes])
        margin = self.calf_radius + self.fat + 20.0
        self.low, self.high = points.min(axis=0) - margin, points.max(axis=0) + margin

    def _shapes(self, x, y, z, inset: float) -> np.ndarray:
        b, pts = self.b, (x, y, z)
        calf = sdf.capsule(pts, self.start, self.ankle, self.calf_radius + self.fat - inset, 32.0 * b - inset)
        foot = sdf.capsule(pts, self.heel, self.toes, 30.0 * b - inset, 20.0 * b - inset)
        return np.minimum(calf, foot).astype(np.float32)

    def envelope(self, x, y, z) -> np.ndarray:
        """Skin of calf and foot."""
        return self._shapes(x, y, z, 0.0)

    def tissues(self, x, y, z) -> list[Tissue]:
        """Muscle under the fat (thinning to the ankle)."""
        return [(self._shapes(x, y, z, self.fat + 6.0), self.p["muscle_hu"])]

    def bones(self, x, y, z) -> list[BoneField]:
        """Tibia, fibula, malleoli, hindfoot and metatarsals."""
        b, pts = self.b, (x, y, z)
        pieces = [
            sdf.capsule(pts, *self.tibia, 14.0 * b, 12.0 * b),
            sdf.capsule(pts, *self.fibula, 7.0 * b, 8.0 * b),
            sdf.sphere(pts, self.ankle, 19.0 * b),
            sdf.capsule(pts, self.hindfoot, self.ankle, 17.0 * b, 15.0 * b),
            sdf.capsule(pts, self.ankle, self.ankle + 0.8 * (self.toes - self.ankle), 14.0 * b, 8.0 * b),
        ]
        distance = np.minimum.reduce(pieces).astype(np.float32)
        cortex = np.full_like(distance, 2.5 * b)
        return [BoneField(distance, cortex, np.full_like(distance, self.inner_hu), self.cortex_hu)]
