"""The femur-aligned frame of one leg: where its crop lies in the world, and the crop grid.

The frame's axes, in world (LPS) coordinates, are:

- ``z``: along the femur, pointing proximal (towards the hip);
- ``x``: the patient's left-right direction made orthogonal to ``z``, pointing
  medial, so that a left leg is mirrored to look like a right one (its frame
  is a reflection, determinant -1);
- ``y``: ``z`` cross the world left axis, pointing posterior.

Arrays on the crop grid are in numpy order ``(z, y, x)``.

Example:
    >>> frame = build_leg_frame("right", (0.0, 0.0, 0.0), (0.0, 0.0, 1.0), (256, 256, 360), (2, 2, 2))
    >>> frame.shape_zyx
    (180, 128, 128)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import SimpleITK as sitk

SIDES: tuple[str, str] = ("left", "right")
WORLD_LEFT = np.array([1.0, 0.0, 0.0])


@dataclass(frozen=True)
class LegFrame:
    """A crop grid aligned with one femur.

    Attributes:
        side: Patient side of the leg, ``"left"`` or ``"right"``.
        center_mm: World position (LPS, mm) of the crop's centre.
        axes: 3x3 matrix whose columns are the frame's x, y, z axes in world coordinates.
        spacing_mm: Voxel spacing of the crop grid (x, y, z).
        shape_zyx: Crop array shape in numpy order.
    """

    side: str
    center_mm: tuple[float, float, float]
    axes: tuple[tuple[float, float, float], ...]
    spacing_mm: tuple[float, float, float]
    shape_zyx: tuple[int, int, int]

    @property
    def axes_matrix(self) -> np.ndarray:
        """The 3x3 axes matrix (columns x, y, z of the frame in world coordinates)."""
        return np.asarray(self.axes, dtype=float)

    @property
    def size_xyz(self) -> tuple[int, int, int]:
        """Crop size in SimpleITK order (x, y, z)."""
        return (self.shape_zyx[2], self.shape_zyx[1], self.shape_zyx[0])

    @property
    def origin_mm(self) -> np.ndarray:
        """World position of the centre of crop voxel (0, 0, 0)."""
        half_extent = (np.asarray(self.size_xyz, dtype=float) - 1.0) / 2.0 * np.asarray(self.spacing_mm)
        return np.asarray(self.center_mm) - self.axes_matrix @ half_extent

    def reference_image(self, pixel_type: int = sitk.sitkFloat32) -> sitk.Image:
        """Return an empty SimpleITK image on the crop grid (for resampling onto it)."""
        image = sitk.Image([int(s) for s in self.size_xyz], pixel_type)
        image.SetSpacing([float(s) for s in self.spacing_mm])
        image.SetOrigin([float(v) for v in self.origin_mm])
        image.SetDirection([float(v) for v in self.axes_matrix.ravel()])
        return image

    def corners_mm(self) -> np.ndarray:
        """World positions ``(8, 3)`` of the outer corners of the crop (voxel edges included)."""
        return self.box_corners_mm((0, 0, 0), self.size_xyz)

    def box_corners_mm(self, start_xyz: Sequence[int], stop_xyz: Sequence[int]) -> np.ndarray:
        """World positions ``(8, 3)`` of the outer corners of the crop voxels ``start <= index < stop``."""
        start = np.asarray(start_xyz, dtype=float)
        stop = np.asarray(stop_xyz, dtype=float)
        corners = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)], dtype=float)
        offsets = (start + corners * (stop - start) - 0.5) * np.asarray(self.spacing_mm)
        return self.origin_mm + offsets @ self.axes_matrix.T

    def to_dict(self) -> dict[str, Any]:
        """Serialise to plain JSON types."""
        return {
            "side": self.side,
            "center_mm": [float(v) for v in self.center_mm],
            "axes": [[float(v) for v in row] for row in self.axes],
            "spacing_mm": [float(v) for v in self.spacing_mm],
            "shape_zyx": [int(v) for v in self.shape_zyx],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LegFrame:
        """Rebuild a frame written by :meth:`to_dict`."""
        return cls(
            side=str(data["side"]),
            center_mm=tuple(float(v) for v in data["center_mm"]),
            axes=tuple(tuple(float(v) for v in row) for row in data["axes"]),
            spacing_mm=tuple(float(v) for v in data["spacing_mm"]),
            shape_zyx=tuple(int(v) for v in data["shape_zyx"]),
        )


def build_leg_frame(
    side: str,
    center_mm: tuple[float, float, float] | np.ndarray,
    femur_direction: tuple[float, float, float] | np.ndarray,
    field_of_view_mm: tuple[float, float, float] | np.ndarray,
    spacing_mm: tuple[float, float, float] | np.ndarray,
) -> LegFrame:
    """Build the crop frame of one leg from its femur axis.

    Args:
        side: ``"left"`` or ``"right"`` (patient side).
        center_mm: World point on the femur axis that becomes the crop centre.
        femur_direction: World direction of the femur's long axis (either sense).
        field_of_view_mm: Crop extent (x: left-right, y: anterior-posterior, z: along the femur).
        spacing_mm: Crop voxel spacing (x, y, z).

    Returns:
        The frame; its shape is ``round(field_of_view / spacing)``.

    Raises:
        ValueError: For an unknown side, a zero direction or a femur lying left-right.
    """
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}, got {side!r}")
    axis_z = np.asarray(femur_direction, dtype=float)
    norm = np.linalg.norm(axis_z)
    if norm == 0:
        raise ValueError("femur direction is the zero vector")
    axis_z = axis_z / norm
    if axis_z[2] < 0:
        axis_z = -axis_z
    left = WORLD_LEFT - (WORLD_LEFT @ axis_z) * axis_z
    if np.linalg.norm(left) < 1e-3:
        raise ValueError("femur direction is parallel to the left-right axis")
    left /= np.linalg.norm(left)
    axis_y = np.cross(axis_z, left)
    axis_x = left if side == "right" else -left
    axes = np.stack([axis_x, axis_y, axis_z], axis=1)
    spacing = np.asarray(spacing_mm, dtype=float)
    size_xyz = np.maximum(1, np.round(np.asarray(field_of_view_mm, dtype=float) / spacing)).astype(int)
    return LegFrame(
        side=side,
        center_mm=tuple(float(v) for v in np.asarray(center_mm, dtype=float)),
        axes=tuple(tuple(float(v) for v in row) for row in axes),
        spacing_mm=tuple(float(v) for v in spacing),
        shape_zyx=(int(size_xyz[2]), int(size_xyz[1]), int(size_xyz[0])),
    )
