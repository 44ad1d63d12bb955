"""Index regions of one grid covered by another, and signed plane distances over a grid.

Both avoid building per-voxel world coordinates: a region is found from the
corners of a crop, and a plane distance is separable over the three index axes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk

from thigh_common.geometry import world_to_index


@dataclass(frozen=True)
class GridRegion:
    """A box of voxels of an image, in SimpleITK index order.

    Attributes:
        start_xyz: First voxel index of the box (x, y, z).
        size_xyz: Number of voxels along each axis (x, y, z).
    """

    start_xyz: tuple[int, int, int]
    size_xyz: tuple[int, int, int]

    @property
    def numpy_slices(self) -> tuple[slice, slice, slice]:
        """Slices that cut the box out of an array in numpy order ``(z, y, x)``."""
        return tuple(
            slice(self.start_xyz[axis], self.start_xyz[axis] + self.size_xyz[axis]) for axis in (2, 1, 0)
        )

    @property
    def is_empty(self) -> bool:
        """True when the box holds no voxel."""
        return min(self.size_xyz) <= 0


def region_covering(image: sitk.Image, points_mm: np.ndarray, margin_voxels: int = 2) -> GridRegion:
    """Return the box of ``image`` voxels that covers ``points_mm`` plus a margin, clipped to the image.

    Args:
        image: The grid to cut.
        points_mm: World points ``(N, 3)``, e.g. the corners of a crop.
        margin_voxels: Extra voxels on every side (for interpolation support).
    """
    indices = world_to_index(image, points_mm)
    low = np.floor(indices.min(axis=0)).astype(int) - margin_voxels
    high = np.ceil(indices.max(axis=0)).astype(int) + margin_voxels + 1
    size = np.asarray(image.GetSize())
    low = np.clip(low, 0, size)
    high = np.clip(high, 0, size)
    return GridRegion(tuple(int(v) for v in low), tuple(int(v) for v in high - low))


def extract_region(image: sitk.Image, region: GridRegion) -> sitk.Image:
    """Cut ``region`` out of ``image`` keeping world geometry (origin moves with the box)."""
    return sitk.RegionOfInterest(image, list(region.size_xyz), list(region.start_xyz))


def plane_distance_on_grid(
    image: sitk.Image,
    region: GridRegion | None,
    plane_point_mm: np.ndarray,
    plane_normal: np.ndarray,
) -> np.ndarray:
    """Signed distance (mm) of every voxel centre of ``region`` to a plane, in numpy order.

    Args:
        image: The grid whose voxels are measured.
        region: The box of voxels, or None for the whole image.
        plane_point_mm: A world point on the plane.
        plane_normal: The plane's normal (need not be unit length); positive on its side.

    Returns:
        float32 array ``(z, y, x)`` of the region's shape.
    """
    if region is None:
        region = GridRegion((0, 0, 0), tuple(int(v) for v in image.GetSize()))
    normal = np.asarray(plane_normal, dtype=float)
    normal = normal / np.linalg.norm(normal)
    direction = np.asarray(image.GetDirection(), dtype=float).reshape(3, 3)
    spacing = np.asarray(image.GetSpacing(), dtype=float)
    per_index = (normal @ direction) * spacing
    offset = normal @ (np.asarray(image.GetOrigin(), dtype=float) - np.asarray(plane_point_mm, dtype=float))
    ranges = [np.arange(region.start_xyz[a], region.start_xyz[a] + region.size_xyz[a]) for a in range(3)]
    along_x = (ranges[0] * per_index[0]).astype(np.float32)
    along_y = (ranges[1] * per_index[1]).astype(np.float32)
    along_z = (ranges[2] * per_index[2] + offset).astype(np.float32)
    return along_z[:, None, None] + along_y[None, :, None] + along_x[None, None, :]
