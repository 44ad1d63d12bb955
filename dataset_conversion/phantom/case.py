"""One phantom case: sample the subject, render slab by slab, image, and describe the ground truth."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import SimpleITK as sitk
from tqdm import tqdm

from dataset_conversion.phantom import GENERATOR_VERSION
from dataset_conversion.phantom.conditions.registry import ActiveConditions
from dataset_conversion.phantom.grid import GridSpec, make_grid
from dataset_conversion.phantom.imaging import image_slab, psf_sigma_voxels
from dataset_conversion.phantom.leg_frame import LegFrame
from dataset_conversion.phantom.orientation import to_image
from dataset_conversion.phantom.parameters import SubjectParams, place_table, sample_subject
from dataset_conversion.phantom.render import Scene
from thigh_common.labels import LABELS

logger = logging.getLogger(__name__)

SLAB_VOXELS = 1_500_000
"""Voxels rendered at once; bounds the memory of the per-point work."""
LEG_CHOICES: dict[str, tuple[str, ...]] = {"both": ("right", "left"), "left": ("left",), "right": ("right",)}


@dataclass
class PhantomCase:
    """A generated case.

    Attributes:
        image: int16 HU image in the requested layout.
        label: uint8 label image on the same grid.
        truth: Ground truth description (JSON-serialisable).
        grid: The canonical grid (identity direction).
        clean: Canonical HU before blur and noise ``(nz, ny, nx)`` (kept only on request).
        bone: Canonical bone mask ``(nz, ny, nx)`` (kept only on request).
    """

    image: sitk.Image
    label: sitk.Image
    truth: dict[str, Any]
    grid: GridSpec
    clean: np.ndarray | None = None
    bone: np.ndarray | None = None


def case_rng(seed: int, index: int) -> np.random.Generator:
    """Random generator of case ``index`` of a dataset with ``seed`` (independent of the case count)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(index)]))


REST_RANGE = (0.35, 0.55)
"""Levels t of the proximal thigh whose posterior skin rests on the table."""
MIDLINE_OVERLAP = 6.0
"""How far (mm) a leg's skin may reach past the midline below mid-thigh (soft tissue compresses)."""


def separate_legs(subject: SubjectParams) -> SubjectParams:
    """Abduct legs whose lower thigh, knee or shin would cross the midline (legs cannot interpenetrate).

    Heavy subjects' thighs may still touch proximally; the abduction of a leg is
    raised in 1 degree steps (up to 15) until its skin stays within
    :data:`MIDLINE_OVERLAP` of the midline from mid-thigh down.
    """
    legs = []
    for leg in subject.legs:
        while leg.abduction < 15.0:
            frame = LegFrame(leg)
            sel = (frame.t_grid > 0.35) & (frame.t_grid < 1.3)
            centres = np.stack([frame.comp_u[sel], frame.comp_v[sel], frame.t_grid[sel] * leg.femur_length])
            x = leg.sign * (leg.hip_centre[0] + (frame.leg_to_world @ centres)[0])
            reach = np.maximum(frame.comp_ru[sel], frame.comp_rv[sel]) + 1.35 * frame.fat[sel]
            if np.min(x - reach - subject.skin_thickness) >= -MIDLINE_OVERLAP:
                break
            leg = replace(leg, abduction=min(leg.abduction + 1.0, 15.0))
        legs.append(leg)
    return replace(subject, legs=tuple(legs))


def resting_extent(subject: SubjectParams, frames: list[LegFrame]) -> float:
    """Midline table height (world y) at which the proximal posterior thighs touch the curved table.

    For each leg, the most posterior skin point over :data:`REST_RANGE`, moved to
    the midline along the table's curvature; with two legs the higher one counts,
    so both rest on the table (the other is flattened a little more).
    """
    extents = []
    for frame in frames:
        _, skin_y, _, skin_x = frame.posterior_profile(subject.skin_thickness, REST_RANGE)
        extents.append(float(np.max(skin_y + skin_x**2 / (2.0 * subject.table_radius))))
    return min(extents)


def _field_of_view(subject: SubjectParams, frames: list[LegFrame]) -> tuple[tuple[float, float], ...]:
    """World z and y ranges the grid must cover."""
    knee_z = min(frame.knee_centre_world[2] for frame in frames)
    z_range = (knee_z - subject.shin_length, subject.crest_height + 15.0 * subject.scale)
    anterior = [-(90.0 * subject.scale + subject.fat_thickness)]
    for frame in frames:
        anterior.append(frame.knee_centre_world[1] - 60.0 - 0.6 * frame.params.fat_thickness)
    y_range = (min(anterior) - 10.0, subject.table_y + 36.0)
    return z_range, y_range


def generate_case(
    seed: int,
    index: int,
    size: str,
    layout: str = "identity",
    legs: str = "both",
    keep_arrays: bool = False,
    progress: bool = False,
    conditions: Sequence[str] = (),
) -> PhantomCase:
    """Generate case ``index`` of the dataset with ``seed``.

    Args:
        seed: Dataset seed.
        index: Case index (its name is ``phantom_{index:03d}``).
        size: ``tiny``, ``small`` or ``clinical``.
        layout: Direction layout (see :mod:`~dataset_conversion.phantom.orientation`).
        legs: ``both``, ``left`` or ``right``.
        keep_arrays: Keep the clean HU volume and bone mask (for tests).
        progress: Show a progress bar over slabs.
        conditions: Clinical conditions, ``NAME`` or ``NAME=VALUE`` (see
            :mod:`~dataset_conversion.phantom.conditions`); none gives the default phantom.

    Returns:
        The case.
    """
    rng = case_rng(seed, index)
    sides = LEG_CHOICES[legs]
    active = ActiveConditions(conditions, seed, index, sides)
    subject = active.subject(separate_legs(sample_subject(rng, sides)))
    frames = [LegFrame(leg) for leg in subject.legs]
    subject = place_table(subject, resting_extent(subject, frames))
    z_range, y_range = active.field_of_view(subject, frames, *_field_of_view(subject, frames))
    grid = active.grid(make_grid(size, rng, z_range, y_range, sides), subject, frames)
    scene = Scene(subject, grid, active.parts(subject, frames))
    nz, ny, nx = grid.shape
    step = max(1, SLAB_VOXELS // (ny * nx))
    clean = np.empty(grid.shape, np.float32)
    labels = np.empty(grid.shape, np.uint8)
    bone = np.empty(grid.shape, bool)
    starts = range(0, nz, step)
    for k0 in tqdm(starts, desc=f"render case {index}", unit="slab", disable=not progress, leave=False):
        slab = scene.render(k0, min(k0 + step, nz))
        clean[k0 : k0 + step], labels[k0 : k0 + step], bone[k0 : k0 + step] = slab.hu, slab.labels, slab.bone
    active.clean(clean, grid)
    psf = psf_sigma_voxels(subject.psf_mm, grid.spacing)
    image = np.empty(grid.shape, np.int16)
    for k0 in starts:
        k1 = min(k0 + step, nz)
        image[k0:k1] = image_slab(clean, k0, k1, psf, subject.noise_sigma, (int(seed), int(index)))
    active.image(image, labels, grid)
    truth = describe_truth(seed, index, size, layout, legs, subject, frames, grid)
    if active:
        truth["conditions"] = active.record()
    return PhantomCase(
        image=to_image(image, grid.spacing, grid.origin, layout),
        label=to_image(labels, grid.spacing, grid.origin, layout),
        truth=truth,
        grid=grid,
        clean=clean if keep_arrays else None,
        bone=bone if keep_arrays else None,
    )


def _rounded(values: Any, digits: int = 3) -> Any:
    return [round(float(v), digits) for v in np.ravel(values)]


def _coronal_angle(direction: np.ndarray, sign: int) -> float:
    """Angle (deg) from vertical in the coronal plane of a proximal-to-distal direction; + means knee medial."""
    return round(float(np.degrees(np.arctan2(-sign * direction[0], -direction[2]))), 2)


def describe_truth(
    seed: int,
    index: int,
    size: str,
    layout: str,
    legs: str,
    subject: SubjectParams,
    frames: list[LegFrame],
    grid: GridSpec,
) -> dict[str, Any]:
    """The ground truth of a case, in world mm (LPS), for detection and planning tests."""
    leg_truth = {}
    for frame in frames:
        p = frame.params
        shaft_world = frame.leg_to_world @ frame.shaft_dir
        mech_world = frame.knee_centre_world - p.hip_centre
        lesser = frame.leg_to_world_point(frame.lesser_trochanter())
        above_knee = frame.leg_to_world_point(np.array([0.0, 0.0, p.femur_length - 50.0]))
        leg_truth[p.side] = {
            "femoral_head_centre_mm": _rounded(p.hip_centre),
            "knee_centre_mm": _rounded(frame.knee_centre_world),
            "lesser_trochanter_mm": _rounded(lesser),
            "femur_length_mm": round(p.femur_length, 2),
            "thigh_z_range_mm": _rounded([above_knee[2], lesser[2] - 5.0], 2),
            "pose_deg": {
                "abduction": round(p.abduction, 2),
                "flexion": round(p.flexion, 2),
                "internal_rotation": round(p.rotation, 2),
                "mechanical_axis_from_vertical_coronal": _coronal_angle(mech_world, p.sign),
                "shaft_axis_from_vertical_coronal": _coronal_angle(shaft_world, p.sign),
            },
            "atrophy": {
                "muscle_scale": round(p.muscle_scale, 3),
                "fat_infiltration": round(p.fat_infiltration, 3),
            },
            "fat": {"subcutaneous_thickness_mm": round(p.fat_thickness, 2)},
            "muscle_hu_before_infiltration": {
                LABELS[k + 1]: round(float(p.muscle_hu[k]), 1) for k in range(len(LABELS) - 1)
            },
        }
    return {
        "case": f"phantom_{index:03d}",
        "generator_version": GENERATOR_VERSION,
        "seed": int(seed),
        "index": int(index),
        "size": size,
        "layout": layout,
        "legs_in_view": legs,
        "canonical_shape_zyx": list(grid.shape),
        "spacing_mm": _rounded(grid.spacing, 4),
        "noise_sigma_hu": round(subject.noise_sigma, 2),
        "psf_sigma_mm": round(subject.psf_mm, 3),
        "subject": {
            "scale": round(subject.scale, 3),
            "subcutaneous_fat_mm": round(subject.fat_thickness, 2),
            "fat_hu": round(subject.fat_hu, 1),
            "table_top_y_mm": round(subject.table_y, 2),
            "iliac_crest_z_mm": round(subject.crest_height, 2),
        },
        "legs": leg_truth,
    }
