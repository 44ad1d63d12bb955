"""The one left/right rule of thighseg: a voxel belongs to the leg on whose side of the midline plane it lies.

The plane (:class:`~thigh_planner.normalisation.midline.MidlinePlane`, positive side = the patient's left)
comes from the thigh detector in ``thigh_predict``'s muscle tables, and from the reference labels in
``thigh_evaluate`` (``thigh_evaluation/legs.py``); both then assign sides with :func:`voxel_sides`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import SimpleITK as sitk

from thigh_planner.normalisation.midline import MidlinePlane

SIDES: tuple[str, str] = ("right", "left")
VoxelIndices = tuple[np.ndarray, np.ndarray, np.ndarray]
SideOfVoxels = Callable[[VoxelIndices], np.ndarray]
"""Takes voxel indices as three arrays ``(z, y, x)`` of length N; returns bool ``(N,)``, True on the left."""


def plane_distance(image: sitk.Image, plane: MidlinePlane) -> Callable[[VoxelIndices], np.ndarray]:
    """A function giving the signed distance (mm, positive on the patient's left) of voxels of ``image``.

    The distance is linear in the voxel index, so it is summed from one small table per axis, without a
    full-volume array. With the plane ``x = 0`` (normal ``(1, 0, 0)``) it is the voxels' world x.
    """
    normal = np.asarray(plane.normal, dtype=float)
    normal = normal / np.linalg.norm(normal)
    direction = np.asarray(image.GetDirection(), dtype=float).reshape(3, 3)
    per_index_xyz = (normal @ direction) * np.asarray(image.GetSpacing(), dtype=float)
    offset = float(normal @ (np.asarray(image.GetOrigin(), dtype=float) - np.asarray(plane.point_mm)))

    def distance(indices_zyx: VoxelIndices) -> np.ndarray:
        result = np.full(len(indices_zyx[0]), offset, dtype=np.float64)
        for axis, indices in enumerate(indices_zyx):
            per_index = per_index_xyz[2 - axis] * np.arange(int(indices.max(initial=0)) + 1, dtype=np.float64)
            result += per_index[indices]
        return result

    return distance


def left_of_plane(image: sitk.Image, plane: MidlinePlane) -> SideOfVoxels:
    """A side function: True for voxels of ``image`` on the patient's left of the midline ``plane``."""
    distance = plane_distance(image, plane)
    return lambda indices_zyx: distance(indices_zyx) > 0


def voxel_sides(
    flat_indices: np.ndarray,
    shape: tuple[int, ...],
    is_left: np.ndarray | SideOfVoxels | None,
    legs_present: set[str],
) -> np.ndarray:
    """Side index (0 right, 1 left, as in :data:`SIDES`) of the voxels at ``flat_indices`` of a ``shape`` grid.

    With one leg present every voxel belongs to it; otherwise ``is_left`` (a mask or a side function) decides.

    Raises:
        ValueError: If both legs are present and ``is_left`` is None, or the mask's shape differs.
    """
    if len(legs_present) == 1:
        return np.full(flat_indices.size, SIDES.index(next(iter(legs_present))), dtype=np.intp)
    if is_left is None:
        raise ValueError("both legs are present: give is_left (a mask or a side function) to tell them apart")
    if callable(is_left):
        left = np.asarray(is_left(np.unravel_index(flat_indices, shape)), dtype=bool)
    else:
        if is_left.shape != shape:
            raise ValueError(f"is_left mask of shape {is_left.shape} does not match the labels {shape}")
        left = is_left.reshape(-1)[flat_indices].astype(bool)
    return left.astype(np.intp)
