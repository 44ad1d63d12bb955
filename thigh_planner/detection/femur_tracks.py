"""Femoral shafts as tracks of shaft-like bone components through consecutive axial slices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thigh_planner.detection.canonical_grid import CanonicalVolume
from thigh_planner.detection.slice_components import SOFT_TISSUE_HU, BoneComponent

SHAFT_AREA_MM2 = (200.0, 2500.0)
MAX_BODY_AREA_PER_BONE_MM2 = 60000.0
SHAFT_DEPTH_FRACTION = (0.2, 0.72)
MAX_STEP_MM = 12.0
MAX_AREA_RATIO = 2.0


def is_shaft_like(component: BoneComponent) -> bool:
    """Whether a bone component looks like a femoral shaft cross-section.

    A shaft is a compact bone of moderate area, alone (or with the other femur)
    in its body region, which is no larger than a thigh, lies in the middle
    of that region front to back (the spine lies far posterior in the trunk),
    and is wrapped in soft tissue (the table's shell lies in foam and air).
    """
    return (
        SOFT_TISSUE_HU[0] <= component.surround_hu <= SOFT_TISSUE_HU[1]
        and SHAFT_AREA_MM2[0] <= component.area_mm2 <= SHAFT_AREA_MM2[1]
        and 1 <= component.bones_in_body <= 2
        and component.body_area_mm2 / component.bones_in_body <= MAX_BODY_AREA_PER_BONE_MM2
        and SHAFT_DEPTH_FRACTION[0] <= component.depth_fraction <= SHAFT_DEPTH_FRACTION[1]
    )


@dataclass
class BoneTrack:
    """Bone components linked slice to slice (one per slice, consecutive slices)."""

    components: list[BoneComponent]

    @property
    def first_slice(self) -> int:
        """Lowest (most inferior) slice index."""
        return self.components[0].slice_index

    @property
    def last_slice(self) -> int:
        """Highest (most superior) slice index."""
        return self.components[-1].slice_index

    def length_mm(self, spacing_mm: float) -> float:
        """Extent along z in mm."""
        return len(self.components) * spacing_mm

    def world_centroids(self, volume: CanonicalVolume) -> np.ndarray:
        """World positions ``(N, 3)`` of the component centroids."""
        points = [(c.slice_index, *c.centroid_yx) for c in self.components]
        return volume.to_world(np.asarray(points, dtype=float))


def _links(previous: BoneComponent, current: BoneComponent, spacing_mm: float) -> bool:
    step = np.hypot(
        previous.centroid_yx[0] - current.centroid_yx[0], previous.centroid_yx[1] - current.centroid_yx[1]
    )
    ratio = max(previous.area_mm2, current.area_mm2) / min(previous.area_mm2, current.area_mm2)
    return step * spacing_mm <= MAX_STEP_MM and ratio <= MAX_AREA_RATIO


def link_tracks(components_per_slice: list[list[BoneComponent]], spacing_mm: float) -> list[BoneTrack]:
    """Link shaft-like components of consecutive slices into tracks (inferior to superior).

    Args:
        components_per_slice: Bone components of every axial slice, in slice order.
        spacing_mm: Voxel size of the canonical grid.

    Returns:
        Every track, including single-slice ones.
    """
    finished: list[BoneTrack] = []
    open_tracks: list[BoneTrack] = []
    for components in components_per_slice:
        candidates = [c for c in components if is_shaft_like(c)]
        still_open: list[BoneTrack] = []
        for track in open_tracks:
            last = track.components[-1]
            match = next((c for c in candidates if _links(last, c, spacing_mm)), None)
            if match is None:
                finished.append(track)
                continue
            candidates.remove(match)
            track.components.append(match)
            still_open.append(track)
        still_open.extend(BoneTrack([c]) for c in candidates)
        open_tracks = still_open
    return finished + open_tracks


def fit_axis(points_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fit a line to world points; return its centre and unit direction pointing superior."""
    centre = points_mm.mean(axis=0)
    _, _, vectors = np.linalg.svd(points_mm - centre, full_matrices=False)
    direction = vectors[0]
    if direction[2] < 0:
        direction = -direction
    return centre, direction / np.linalg.norm(direction)
