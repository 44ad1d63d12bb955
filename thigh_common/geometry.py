"""Geometry helpers in physical (world, LPS) coordinates.

SimpleITK, DICOM and ITK use the LPS convention: world x grows towards the
patient's left, y towards posterior, z towards superior. Every side decision
in thighseg is made in these coordinates, never from array indices.
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

PATIENT_AXES: tuple[str, str, str] = ("left", "posterior", "superior")


def direction_matrix(image: sitk.Image) -> np.ndarray:
    """Return the 3x3 direction matrix of ``image``; column i is the world direction of index axis i."""
    return np.asarray(image.GetDirection(), dtype=float).reshape(3, 3)


def index_to_world(image: sitk.Image, indices_xyz: np.ndarray) -> np.ndarray:
    """Map continuous indices ``(N, 3)`` in SimpleITK order (x, y, z) to world points ``(N, 3)``."""
    indices_xyz = np.atleast_2d(np.asarray(indices_xyz, dtype=float))
    spacing = np.asarray(image.GetSpacing(), dtype=float)
    origin = np.asarray(image.GetOrigin(), dtype=float)
    return origin + (indices_xyz * spacing) @ direction_matrix(image).T


def world_to_index(image: sitk.Image, points: np.ndarray) -> np.ndarray:
    """Map world points ``(N, 3)`` to continuous indices ``(N, 3)`` in SimpleITK order (x, y, z)."""
    points = np.atleast_2d(np.asarray(points, dtype=float))
    spacing = np.asarray(image.GetSpacing(), dtype=float)
    origin = np.asarray(image.GetOrigin(), dtype=float)
    return ((points - origin) @ direction_matrix(image)) / spacing


def axis_towards(image: sitk.Image, patient_axis: str) -> tuple[int, int]:
    """Return the SimpleITK index axis closest to ``patient_axis`` and its sign.

    Args:
        image: The image whose direction is read.
        patient_axis: One of ``"left"``, ``"posterior"``, ``"superior"``.

    Returns:
        ``(axis, sign)``: index axis in (x, y, z) order, and +1 if increasing that
        index moves towards ``patient_axis``, -1 if away from it.
    """
    world_axis = PATIENT_AXES.index(patient_axis)
    row = direction_matrix(image)[world_axis]
    axis = int(np.argmax(np.abs(row)))
    return axis, int(np.sign(row[axis]))


def _rounded(values: np.ndarray) -> tuple[float, ...]:
    """Plain floats rounded to 4 decimals, for messages."""
    return tuple(float(v) for v in np.round(values, 4))


def geometry_differences(
    reference: sitk.Image | sitk.ImageFileReader,
    other: sitk.Image | sitk.ImageFileReader,
    tolerance: float = 1e-4,
) -> list[str]:
    """List how the grid of ``other`` differs from ``reference`` (empty when identical).

    Args:
        reference: The image (or a reader after ``ReadImageInformation``) whose geometry is expected.
        other: The image or reader to compare.
        tolerance: Absolute tolerance for spacing, origin (mm) and direction.

    Returns:
        One human-readable line per differing property.
    """
    differences = []
    if reference.GetSize() != other.GetSize():
        differences.append(f"size {other.GetSize()} != {reference.GetSize()}")
    for name in ("Spacing", "Origin", "Direction"):
        expected = np.asarray(getattr(reference, f"Get{name}")())
        found = np.asarray(getattr(other, f"Get{name}")())
        if expected.shape != found.shape or not np.allclose(expected, found, atol=tolerance):
            differences.append(f"{name.lower()} {_rounded(found)} != {_rounded(expected)}")
    return differences
