"""Quantities that ``plans.json`` stores but that follow from other fields.

Axis orders: ``field_of_view_mm`` and ``target_spacing_mm`` are (x, y, z) as in
SimpleITK (x: left-right, y: anterior-posterior, z: along the femur);
``crop_shape`` is the numpy array shape (z, y, x).

Example:
    >>> crop_shape_from((256.0, 256.0, 360.0), (2.0, 2.0, 2.0))
    (180, 128, 128)
    >>> neighbour_offset_slices_from(4.0, (2.0, 2.0, 2.0))
    {'axial': 2, 'coronal': 2, 'sagittal': 2}
"""

from __future__ import annotations

from collections.abc import Sequence

ORIENTATIONS: tuple[str, str, str] = ("axial", "coronal", "sagittal")

NORMAL_AXIS_XYZ: dict[str, int] = {"axial": 2, "coronal": 1, "sagittal": 0}
"""Index into an (x, y, z) spacing of the axis normal to each slice orientation."""

NORMAL_AXIS_ZYX: dict[str, int] = {"axial": 0, "coronal": 1, "sagittal": 2}
"""The axis of a (z, y, x) crop that each orientation's slices are taken along (the slice normal)."""

SLICE_AXES_ZYX: dict[str, tuple[int, int]] = {"axial": (1, 2), "coronal": (0, 2), "sagittal": (0, 1)}
"""Axes of a (z, y, x) crop that span a slice of each orientation: axial (y, x), coronal (z, x), sagittal (z, y)."""


def crop_shape_from(field_of_view_mm: Sequence[float], spacing_mm: Sequence[float]) -> tuple[int, int, int]:
    """Return the crop array shape (z, y, x): field of view / spacing, rounded.

    Args:
        field_of_view_mm: Field of view (x, y, z) in mm.
        spacing_mm: Voxel spacing (x, y, z) in mm.
    """
    x, y, z = (max(1, round(float(f) / float(s))) for f, s in zip(field_of_view_mm, spacing_mm, strict=True))
    return (z, y, x)


def neighbour_offset_slices_from(offset_mm: float, spacing_mm: Sequence[float]) -> dict[str, int]:
    """Return, per orientation, the neighbour-slice offset in slices: ``max(1, round(offset / spacing))``.

    Args:
        offset_mm: Distance of the two neighbour slices from the centre slice.
        spacing_mm: Voxel spacing (x, y, z); the spacing along each orientation's normal is used.
    """
    return {
        orientation: max(1, round(float(offset_mm) / float(spacing_mm[NORMAL_AXIS_XYZ[orientation]])))
        for orientation in ORIENTATIONS
    }


def slice_shape(crop_shape: Sequence[int], orientation: str) -> tuple[int, int]:
    """Return the 2D shape of a slice of ``crop_shape`` (z, y, x) seen in ``orientation``."""
    first, second = SLICE_AXES_ZYX[orientation]
    return (int(crop_shape[first]), int(crop_shape[second]))
