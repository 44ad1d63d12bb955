"""Bone and body components of each axial slice of a canonical volume."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

BONE_HU = 180.0
BODY_HU = -400.0
MIN_BONE_AREA_MM2 = 100.0


@dataclass(frozen=True)
class BoneComponent:
    """One connected bone region of an axial slice.

    Attributes:
        slice_index: Axial slice of the canonical volume.
        centroid_yx: Centroid in array units (y, x).
        area_mm2: Area in mm².
        body_area_mm2: Area of the body region (connected soft tissue) that holds it.
        bones_in_body: Number of bone components (>= MIN_BONE_AREA_MM2) in that body region.
        depth_fraction: Position of the centroid between the anterior (0) and posterior (1)
            edge of its body region.
    """

    slice_index: int
    centroid_yx: tuple[float, float]
    area_mm2: float
    body_area_mm2: float
    bones_in_body: int
    depth_fraction: float


def _body_regions(slice_hu: np.ndarray) -> tuple[np.ndarray, int]:
    """Label the body regions of a slice: soft tissue above BODY_HU, holes filled, thin table removed."""
    body = slice_hu > BODY_HU
    body = ndimage.binary_opening(body, iterations=1)
    body = ndimage.binary_fill_holes(body)
    return ndimage.label(body)


def slice_bone_components(slice_hu: np.ndarray, slice_index: int, spacing_mm: float) -> list[BoneComponent]:
    """Find the bone components of one axial slice and describe their surroundings.

    Args:
        slice_hu: HU array ``(y, x)`` of the slice.
        slice_index: Its index in the canonical volume.
        spacing_mm: In-plane voxel size.
    """
    pixel_area = spacing_mm**2
    bone_labels, n_bones = ndimage.label(slice_hu > BONE_HU)
    if n_bones == 0:
        return []
    areas = (
        ndimage.sum_labels(np.ones_like(slice_hu), bone_labels, index=np.arange(1, n_bones + 1)) * pixel_area
    )
    keep = [i + 1 for i, area in enumerate(areas) if area >= MIN_BONE_AREA_MM2]
    if not keep:
        return []
    body_labels, _ = _body_regions(slice_hu)
    centroids = ndimage.center_of_mass(np.ones_like(slice_hu), bone_labels, keep)
    owners = [int(body_labels[int(round(cy)), int(round(cx))]) for cy, cx in centroids]
    components = []
    for label, (cy, cx), owner in zip(keep, centroids, owners, strict=True):
        if owner == 0:
            continue
        owner_mask = body_labels == owner
        rows = np.flatnonzero(owner_mask.any(axis=1))
        depth = (cy - rows[0]) / max(rows[-1] - rows[0], 1)
        components.append(
            BoneComponent(
                slice_index=slice_index,
                centroid_yx=(float(cy), float(cx)),
                area_mm2=float(areas[label - 1]),
                body_area_mm2=float(owner_mask.sum() * pixel_area),
                bones_in_body=int(sum(1 for other in owners if other == owner)),
                depth_fraction=float(depth),
            )
        )
    return components
