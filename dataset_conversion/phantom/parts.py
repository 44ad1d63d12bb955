"""Extra anatomy or hardware that a condition adds to the scene (arms, implants, trunk, lower legs).

A part is evaluated only at the slab points inside its bounding box. The
renderer unions its skin envelope with the body, paints its soft tissues
before the thigh muscles (so a thigh it touches keeps its muscle and labels;
soft tissue outside the thighs is background anyway) and its bones after the
leg bones (a voxel within one voxel of a part's bone is background, label 0).
"""

from __future__ import annotations

import numpy as np

from dataset_conversion.phantom.bones import BoneField

Tissue = tuple[np.ndarray, float]
"""A tissue at points: its signed distance (mm, negative inside) and its HU."""


class Part:
    """Base of extra scene parts; subclasses set the bounds and override what they draw.

    Attributes:
        low: World ``(x, y, z)`` lower corner of the bounding box (mm).
        high: World ``(x, y, z)`` upper corner of the bounding box (mm).
        fillet: Size (mm) of the smooth union of the envelope with the body.
    """

    low: np.ndarray = np.full(3, -np.inf)
    high: np.ndarray = np.full(3, np.inf)
    fillet: float = 5.0

    def select(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Indices of the points ``(N,)`` inside the bounding box."""
        inside = (z >= self.low[2]) & (z <= self.high[2])
        for axis, values in ((0, x), (1, y)):
            if np.isfinite(self.low[axis]) or np.isfinite(self.high[axis]):
                inside &= (values >= self.low[axis]) & (values <= self.high[axis])
        return np.flatnonzero(inside)

    def envelope(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray | None:
        """Signed distance to the part's skin, or None if it adds no skin (an implant)."""
        return None

    def tissues(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> list[Tissue]:
        """Soft tissues painted in order inside the body (all background)."""
        return []

    def bones(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> list[BoneField]:
        """Bones (or metal) painted after the leg bones, with cortex and bone mask."""
        return []
