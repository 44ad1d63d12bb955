"""The plane that separates the left leg from the right one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class MidlinePlane:
    """A plane between the legs; points on its positive side belong to the patient's left leg.

    Attributes:
        point_mm: A world point on the plane (LPS, mm).
        normal: Unit normal pointing towards the patient's left.
    """

    point_mm: tuple[float, float, float]
    normal: tuple[float, float, float]

    @classmethod
    def between(cls, left_point_mm: np.ndarray, right_point_mm: np.ndarray) -> MidlinePlane:
        """The plane halfway between two points on the left and right femur, facing left.

        The normal is the left-right component of the line joining the points, so
        the plane stays vertical (contains the superior axis).
        """
        left_point = np.asarray(left_point_mm, dtype=float)
        right_point = np.asarray(right_point_mm, dtype=float)
        normal = left_point - right_point
        normal[2] = 0.0
        if normal[0] <= 0 or np.linalg.norm(normal) == 0:
            normal = np.array([1.0, 0.0, 0.0])
        normal /= np.linalg.norm(normal)
        point = (left_point + right_point) / 2.0
        return cls(tuple(float(v) for v in point), tuple(float(v) for v in normal))

    def signed_distance(self, points_mm: np.ndarray) -> np.ndarray:
        """Signed distance (mm) of world points ``(N, 3)``; positive on the patient's left."""
        return (np.atleast_2d(points_mm) - np.asarray(self.point_mm)) @ np.asarray(self.normal)

    def to_dict(self) -> dict[str, Any]:
        """Serialise to plain JSON types."""
        return {"point_mm": list(self.point_mm), "normal": list(self.normal)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MidlinePlane:
        """Rebuild a plane written by :meth:`to_dict`."""
        return cls(tuple(float(v) for v in data["point_mm"]), tuple(float(v) for v in data["normal"]))
