"""Surface distances between two binary masks: ASD and HD95 in mm, exactly as medpy 0.5.2 computes them.

Surface of ``M``: ``M XOR binary_erosion(M, 6-connectivity, border_value=0)``. ASD (medpy ``assd``): mean
of the distances of both directions together (surface voxel to nearest surface voxel, in mm); HD95: their
95th percentile. NaN when either mask is empty. Both masks are cropped to their union's bounding box plus
one voxel, which gives exactly the full-grid result.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import binary_erosion, distance_transform_edt, generate_binary_structure

from thigh_evaluation.structures import PRESENT, presence_status

SURFACE_STRUCTURE = generate_binary_structure(3, 1)  # face connectivity, medpy's connectivity=1
HAUSDORFF_PERCENTILE = 95.0


@dataclass(frozen=True)
class SurfaceDistances:
    """ASD and HD95 (mm; NaN unless both masks are non-empty) and the presence status of the two masks."""

    asd_mm: float
    hd95_mm: float
    status: str


def union_bounding_box(*masks: np.ndarray, margin: int = 1) -> tuple[slice, ...] | None:
    """The bounding box of the union of ``masks`` grown by ``margin`` and clipped; None if all are empty."""
    union = functools.reduce(np.logical_or, masks)
    box = []
    for axis in range(union.ndim):
        others = tuple(a for a in range(union.ndim) if a != axis)
        occupied = np.flatnonzero(np.any(union, axis=others))
        if occupied.size == 0:
            return None
        box.append(
            slice(max(int(occupied[0]) - margin, 0), min(int(occupied[-1]) + 1 + margin, union.shape[axis]))
        )
    return tuple(box)


def surface(mask: np.ndarray) -> np.ndarray:
    """The surface voxels of a boolean 3D mask: ``mask XOR erosion(mask)`` with face connectivity."""
    return mask ^ binary_erosion(mask, structure=SURFACE_STRUCTURE, iterations=1, border_value=0)


def directed_surface_distances(
    source_surface: np.ndarray, target_surface: np.ndarray, spacing_zyx: Sequence[float]
) -> np.ndarray:
    """Distance (mm) from each source surface voxel (C order) to the nearest one of the (non-empty) target."""
    distance = distance_transform_edt(~target_surface, sampling=tuple(float(s) for s in spacing_zyx))
    return distance[source_surface]


def surface_distances(
    reference: np.ndarray, prediction: np.ndarray, spacing_zyx: Sequence[float]
) -> SurfaceDistances:
    """ASD and HD95 between a reference and a predicted mask ``(z, y, x)`` (non-zero is inside).

    Raises:
        ValueError: If the masks differ in shape or are not 3D, or the spacing has not three values.
    """
    if reference.shape != prediction.shape:
        raise ValueError(
            f"the reference has shape {reference.shape} but the prediction has {prediction.shape}; "
            "surface distances need masks on the same grid"
        )
    if reference.ndim != 3 or len(spacing_zyx) != 3:
        raise ValueError(
            f"expected 3D masks and three spacings, found {reference.ndim}D masks and spacing {spacing_zyx}"
        )
    reference = reference.astype(bool, copy=False)
    prediction = prediction.astype(bool, copy=False)
    status = presence_status(int(np.count_nonzero(reference)), int(np.count_nonzero(prediction)))
    if status != PRESENT:
        return SurfaceDistances(float("nan"), float("nan"), status)
    box = union_bounding_box(reference, prediction)
    reference_surface = surface(reference[box])
    prediction_surface = surface(prediction[box])
    distances = np.concatenate(
        [
            directed_surface_distances(prediction_surface, reference_surface, spacing_zyx),
            directed_surface_distances(reference_surface, prediction_surface, spacing_zyx),
        ]
    )
    return SurfaceDistances(
        float(distances.mean()), float(np.percentile(distances, HAUSDORFF_PERCENTILE)), status
    )
