"""A simplified trunk above the pelvis, for whole-body fields of view (all background).

Inside the trunk's skin and fat (the renderer's trunk ellipse, which continues
upwards): an abdominal and back muscle wall, a soft-tissue cavity (organs at
one HU), paraspinal muscles, the vertebral column (a bone column) and, from
15 cm above the iliac crest (x body scale), the lung bases.
"""

from __future__ import annotations

import numpy as np

from dataset_conversion.phantom import sdf
from dataset_conversion.phantom.bones import BoneField
from dataset_conversion.phantom.parameters import SubjectParams
from dataset_conversion.phantom.parts import Part, Tissue
from dataset_conversion.phantom.render import trunk_distance, trunk_radii

WALL_MM = 14.0
"""Thickness of the muscle wall under the trunk's fat."""


class TrunkPart(Part):
    """The trunk from 2 cm above the iliac crest upwards.

    Args:
        subject: The subject.
        params: The whole-body parameters (``organ_hu``, ``muscle_hu``).
    """

    fillet = 1.0

    def __init__(self, subject: SubjectParams, params: dict):
        self.s, self.p = subject, params
        rx, ry, cy = trunk_radii(subject)
        self.rx, self.ry, self.cy = rx, ry, cy
        self.bottom = subject.crest_height + 20.0 * subject.scale
        self.spine_y = cy + ry - subject.fat_thickness - 55.0 * subject.scale
        self.lung_base = subject.crest_height + 150.0 * subject.scale
        self.low = np.array([-rx - 5.0, cy - ry - 5.0, self.bottom])
        self.high = np.array([rx + 5.0, cy + ry + 5.0, np.inf])

    def tissues(self, x, y, z) -> list[Tissue]:
        """Muscle wall, organ cavity, paraspinal muscles and lungs, fading in above the pelvis."""
        s, p = self.s, self.p
        skin = trunk_distance(s, x, y, z) + np.float32(s.fat_thickness)
        fade = np.float32(2.0) * np.maximum(self.bottom + 20.0 - z, 0.0)  # close the tissues at the bottom
        wall = skin + fade
        cavity = wall + np.float32(WALL_MM * s.scale)
        paraspinal = (
            np.minimum(
                *(
                    sdf.ellipse_radial(
                        x - side * 30.0 * s.scale, y - self.spine_y - 25.0 * s.scale, 22.0 * s.scale, 25.0
                    )
                    for side in (-1.0, 1.0)
                )
            )
            + fade
        )
        lungs = np.minimum(
            *(
                sdf.ellipsoid(
                    (x, y, z),
                    np.array([side * 0.45 * self.rx, self.cy, self.lung_base + 160.0 * s.scale]),
                    np.array([0.38 * self.rx, 0.7 * self.ry, 160.0 * s.scale]),
                )
                for side in (-1.0, 1.0)
            )
        )
        return [
            (wall.astype(np.float32), p["muscle_hu"]),
            (cavity.astype(np.float32), p["organ_hu"]),
            (paraspinal.astype(np.float32), p["muscle_hu"]),
            (lungs.astype(np.float32), p["lung_hu"]),
        ]

    def bones(self, x, y, z) -> list[BoneField]:
        """The vertebral column."""
        s = self.s
        start = np.array([0.0, self.spine_y, self.bottom])
        distance = sdf.capsule(
            (x, y, z), start, start + np.array([0.0, 0.0, 2000.0]), 20.0 * s.scale, 20.0 * s.scale
        )
        distance = distance.astype(np.float32)
        return [
            BoneField(
                distance, np.full_like(distance, 1.5), np.full_like(distance, 250.0), s.pelvic_cortex_hu
            )
        ]
