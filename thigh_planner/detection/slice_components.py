"""Bone and body components of each axial slice of a canonical volume."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

BONE_HU = 180.0
BODY_HU = -400.0
MIN_BONE_AREA_MM2 = 100.0
SURROUND_RING_MM = 8.0
TABLE_OPENING_MM = 8.0
SOFT_TISSUE_HU = (-200.0, 250.0)


@dataclass(frozen=True)
class BoneComponent:
    """One connected bone region of an axial slice.

    Attributes:
        slice_index: Axial slice of the canonical volume.
        centroid_yx: Centroid in array units (y, x).
        area_mm2: Area in mm².
        body_area_mm2: Area of the body region (connected soft tissue) that holds it.
        bones_in_body: Number of bone components (>= MIN_BONE_AREA_MM2) wrapped in soft tissue
            (see ``surround_hu``) in that body region.
        depth_fraction: Position of the centroid between the anterior (0) and posterior (1)
            edge of its body region.
        surround_hu: Mean HU of a ring of SURROUND_RING_MM around the bone (bone excluded):
            muscle and fat around a femur, foam and air around the table's shell.
    """

    slice_index: int
    centroid_yx: tuple[float, float]
    area_mm2: float
    body_area_mm2: float
    bones_in_body: int
    depth_fraction: float
    surround_hu: float


def body_regions(slice_hu: np.ndarray, spacing_mm: float) -> tuple[np.ndarray, int]:
    """Label the body regions of a slice: soft tissue above BODY_HU, holes filled.

    An opening of TABLE_OPENING_MM removes the table's thin shell where it touches the skin.
    """
    body = slice_hu > BODY_HU
    body = ndimage.binary_opening(body, iterations=max(1, int(round(TABLE_OPENING_MM / spacing_mm))))
    body = ndimage.binary_fill_holes(body)
    return ndimage.label(body)


def _surround_hu(
    slice_hu: np.ndarray, bone_labels: np.ndarray, label: int, box: tuple[slice, slice], ring_pixels: int
) -> float:
    """Mean HU of the ring around one bone component (its bounding ``box`` given), other bone excluded."""
    rows, columns = box
    rows = slice(max(rows.start - ring_pixels, 0), rows.stop + ring_pixels)
    columns = slice(max(columns.start - ring_pixels, 0), columns.stop + ring_pixels)
    window_labels = bone_labels[rows, columns]
    grown = ndimage.binary_dilation(window_labels == label, iterations=ring_pixels)
    ring = grown & (window_labels == 0)
    return float(slice_hu[rows, columns][ring].mean()) if ring.any() else float("nan")


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
    body_labels, _ = body_regions(slice_hu, spacing_mm)
    centroids = ndimage.center_of_mass(np.ones_like(slice_hu), bone_labels, keep)
    owners = [int(body_labels[int(round(cy)), int(round(cx))]) for cy, cx in centroids]
    ring_pixels = max(1, int(round(SURROUND_RING_MM / spacing_mm)))
    boxes = ndimage.find_objects(bone_labels)
    surrounds = [_surround_hu(slice_hu, bone_labels, label, boxes[label - 1], ring_pixels) for label in keep]
    in_soft_tissue = [SOFT_TISSUE_HU[0] <= hu <= SOFT_TISSUE_HU[1] for hu in surrounds]
    components = []
    for label, (cy, cx), owner, surround in zip(keep, centroids, owners, surrounds, strict=True):
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
                bones_in_body=int(
                    sum(1 for o, soft in zip(owners, in_soft_tissue, strict=True) if o == owner and soft)
                ),
                depth_fraction=float(depth),
                surround_hu=surround,
            )
        )
    return components
