"""A coarse copy of a scan on an axis-aligned LPS grid, for anatomy detection.

Whatever the scan's direction matrix, on this grid array axis 2 (x) grows
towards the patient's left, axis 1 (y) towards posterior and axis 0 (z)
towards superior, so detection can reason per axial slice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk

from thigh_planner.normalisation.intensity import AIR_FILL_HU


@dataclass(frozen=True)
class CanonicalVolume:
    """A scan resampled onto an LPS-aligned grid.

    Attributes:
        hu: float32 HU array ``(z, y, x)``; z superior, y posterior, x patient left.
        origin_mm: World position of voxel (0, 0, 0) (x, y, z).
        spacing_mm: Isotropic voxel size in mm.
    """

    hu: np.ndarray
    origin_mm: np.ndarray
    spacing_mm: float

    def to_world(self, points_zyx: np.ndarray) -> np.ndarray:
        """Map continuous array positions ``(N, 3)`` in ``(z, y, x)`` order to world points ``(N, 3)``."""
        points_zyx = np.atleast_2d(np.asarray(points_zyx, dtype=float))
        return self.origin_mm + points_zyx[:, ::-1] * self.spacing_mm

    def z_world(self, slice_index: float) -> float:
        """World z (mm) of an axial slice index."""
        return float(self.origin_mm[2] + slice_index * self.spacing_mm)


def world_bounds(image: sitk.Image) -> tuple[np.ndarray, np.ndarray]:
    """Return the world bounding box ``(low, high)`` of the voxel centres of ``image``."""
    size = np.asarray(image.GetSize()) - 1
    corners = [
        image.TransformContinuousIndexToPhysicalPoint([float(c) for c in (i, j, k)])
        for i in (0, size[0])
        for j in (0, size[1])
        for k in (0, size[2])
    ]
    corners = np.asarray(corners)
    return corners.min(axis=0), corners.max(axis=0)


def to_canonical(image: sitk.Image, spacing_mm: float = 4.0) -> CanonicalVolume:
    """Average ``image`` down and resample it onto an LPS-aligned grid of ``spacing_mm``.

    Averaging by whole-voxel bins first (``BinShrink``) keeps thin cortical bone
    visible on the coarse grid instead of aliasing it away.

    Args:
        image: The scan in HU, any direction matrix.
        spacing_mm: Voxel size of the coarse grid.
    """
    spacing = np.asarray(image.GetSpacing(), dtype=float)
    shrink = [int(max(1, np.floor(spacing_mm / s))) for s in spacing]
    shrunk = sitk.BinShrink(sitk.Cast(image, sitk.sitkFloat32), shrink) if max(shrink) > 1 else image
    low, high = world_bounds(image)
    size = np.maximum(1, np.floor((high - low) / spacing_mm).astype(int) + 1)
    reference = sitk.Image([int(s) for s in size], sitk.sitkFloat32)
    reference.SetSpacing([spacing_mm] * 3)
    reference.SetOrigin([float(v) for v in low])
    resampled = sitk.Resample(
        sitk.Cast(shrunk, sitk.sitkFloat32), reference, sitk.Transform(), sitk.sitkLinear, AIR_FILL_HU
    )
    return CanonicalVolume(sitk.GetArrayFromImage(resampled), low, float(spacing_mm))
