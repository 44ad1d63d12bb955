"""One case: read and check its two label maps, find its legs, score every leg and structure.

See "Inputs and case matching" and "What is measured" in ``documentation/thigh_evaluate.md``. The scored
structures are the ten classes and the groups (each on the union of its labels), each inside the bounding box
of its voxels in either mask (plus one voxel), from one ``find_objects`` pass; surface distances are medpy 0.5.2's.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk
from scipy.ndimage import binary_erosion, distance_transform_edt, find_objects, generate_binary_structure

from thigh_common.errors import InvalidInputError
from thigh_common.geometry import geometry_differences
from thigh_common.image_io import read_image
from thigh_common.labels import LABEL_GROUPS, LABELS, MUSCLE_LABELS
from thigh_common.metrics import dice_per_class
from thigh_evaluation.legs import LEFT, LEFT_CODE_OFFSET, RIGHT, Legs, encode_legs, find_legs

logger = logging.getLogger(__name__)

CLASS_KIND, GROUP_KIND = "class", "group"
PRESENT, ABSENT_IN_BOTH = "present", "absent_in_both"
MISSING_IN_PREDICTION, MISSING_IN_REFERENCE = "missing_in_prediction", "missing_in_reference"
STATUSES: tuple[str, ...] = (PRESENT, ABSENT_IN_BOTH, MISSING_IN_PREDICTION, MISSING_IN_REFERENCE)
STATUS_OF = {  # by whether the reference and the prediction hold the structure
    (True, True): PRESENT,
    (False, False): ABSENT_IN_BOTH,
    (True, False): MISSING_IN_PREDICTION,
    (False, True): MISSING_IN_REFERENCE,
}
SURFACE_STRUCTURE = generate_binary_structure(3, 1)  # face connectivity, medpy's connectivity=1
GRID_TOLERANCE = 1e-3  # absolute tolerance (mm for spacing and origin) when comparing the two grids
MAX_LABEL = max(MUSCLE_LABELS)
NAN = float("nan")
Box = tuple[slice, ...]


@dataclass(frozen=True)
class Structure:
    """A ``"class"`` (one label, ``label``) or a ``"group"`` (``label`` None), the union of its ``labels``."""

    kind: str
    name: str
    labels: tuple[int, ...]
    label: int | None


STRUCTURES: tuple[Structure, ...] = tuple(
    Structure(CLASS_KIND, LABELS[label], (label,), label) for label in MUSCLE_LABELS
) + tuple(Structure(GROUP_KIND, name, tuple(labels), None) for name, labels in LABEL_GROUPS.items())


@dataclass(frozen=True)
class StructureScore:
    """The metrics of one structure in one leg of one case (one row of ``metrics.csv``)."""

    case: str
    leg: str
    kind: str
    label: int | None
    structure: str
    status: str
    dice: float
    asd_mm: float
    hd95_mm: float
    volume_ref_ml: float
    volume_pred_ml: float
    volume_diff_ml: float
    volume_diff_pct: float


@dataclass(frozen=True)
class CaseResult:
    """How the legs of a case were found, and a score per leg and structure (in ``STRUCTURES`` order)."""

    case: str
    legs: Legs
    scores: tuple[StructureScore, ...]


def grown(box: Sequence[slice], shape: Sequence[int], margin: int = 1) -> Box:
    """``box`` grown by ``margin`` voxels on every side, clipped to a grid of ``shape``."""
    return tuple(
        slice(max(s.start - margin, 0), min(s.stop + margin, n)) for s, n in zip(box, shape, strict=True)
    )


def union_bounding_box(*masks: np.ndarray, margin: int = 1) -> Box | None:
    """The bounding box of the union of ``masks`` grown by ``margin`` and clipped; None if all are empty."""
    union = functools.reduce(np.logical_or, masks)
    found = find_objects(union.astype(np.uint8))
    return grown(found[0], union.shape, margin) if found else None


def surface(mask: np.ndarray) -> np.ndarray:
    """The surface voxels of a boolean 3D mask: ``mask XOR erosion(mask)`` with face connectivity."""
    return mask ^ binary_erosion(mask, structure=SURFACE_STRUCTURE, iterations=1, border_value=0)


def surface_distances(
    reference: np.ndarray, prediction: np.ndarray, spacing_zyx: Sequence[float]
) -> tuple[float, float]:
    """ASD and HD95 (mm) between two masks ``(z, y, x)``, as medpy's ``assd`` and ``hd95``; NaN if one is empty.

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
    reference, prediction = reference.astype(bool, copy=False), prediction.astype(bool, copy=False)
    if not (reference.any() and prediction.any()):
        return NAN, NAN
    box = union_bounding_box(reference, prediction)  # cropped: the same distances, faster
    reference_surface, predicted_surface = surface(reference[box]), surface(prediction[box])
    sampling = tuple(float(s) for s in spacing_zyx)
    to_reference = distance_transform_edt(~reference_surface, sampling=sampling)[predicted_surface]
    to_prediction = distance_transform_edt(~predicted_surface, sampling=sampling)[reference_surface]
    distances = np.concatenate([to_reference, to_prediction])
    return float(distances.mean()), float(np.percentile(distances, 95.0))


def score_masks(
    reference: np.ndarray, prediction: np.ndarray, spacing_zyx: Sequence[float], voxel_volume_ml: float
) -> dict[str, Any]:
    """``status``, ``dice``, ``asd_mm``, ``hd95_mm`` and the four volumes of one structure's boolean masks."""
    reference_voxels, predicted_voxels = int(np.count_nonzero(reference)), int(np.count_nonzero(prediction))
    status = STATUS_OF[reference_voxels > 0, predicted_voxels > 0]
    volume_ref, volume_pred = reference_voxels * voxel_volume_ml, predicted_voxels * voxel_volume_ml
    scores = dict(status=status, dice=NAN, asd_mm=NAN, hd95_mm=NAN, volume_ref_ml=volume_ref)
    scores.update(volume_pred_ml=volume_pred, volume_diff_ml=NAN, volume_diff_pct=NAN)
    if status == ABSENT_IN_BOTH:
        return scores
    scores["dice"] = dice_per_class(prediction, reference, labels=(1,))[1]
    scores["volume_diff_ml"] = volume_pred - volume_ref
    if reference_voxels:
        scores["volume_diff_pct"] = 100.0 * (volume_pred - volume_ref) / volume_ref
    if status == PRESENT:
        scores["asd_mm"], scores["hd95_mm"] = surface_distances(reference, prediction, spacing_zyx)
    return scores


def label_array(image: sitk.Image, path: Path, case_id: str) -> np.ndarray:
    """The labels of ``image`` (read from ``path``) as uint8 ``(z, y, x)``; values outside 0..10 set to 0.

    Raises:
        InvalidInputError: If the image is not 3D, has several components per voxel, or non-integer values.
    """
    if image.GetDimension() != 3 or image.GetNumberOfComponentsPerPixel() != 1:
        raise InvalidInputError(
            f"{case_id}: {path} is a {image.GetDimension()}D image with {image.GetNumberOfComponentsPerPixel()} "
            "component(s) per voxel; expected a 3D label map with one integer label per voxel"
        )
    array = sitk.GetArrayFromImage(image)
    if not np.issubdtype(array.dtype, np.integer):
        fractional = array[array != np.round(array)]
        if fractional.size:
            raise InvalidInputError(
                f"{case_id}: {path} holds non-integer values (e.g. {float(fractional[0]):g}); expected integer "
                f"labels 0-{MAX_LABEL} (was a probability map or a resampled label map given?)"
            )
    outside = (array < 0) | (array > MAX_LABEL)
    if outside.any():
        logger.warning(
            "%s: %s holds %d voxel(s) with values outside 0-%d (e.g. %g); they are treated as background",
            *(case_id, path, int(np.count_nonzero(outside)), MAX_LABEL, float(array[outside][0])),
        )
        array[outside] = 0
    return array.astype(np.uint8, copy=False)


def evaluate_case(case_id: str, reference_path: Path, prediction_path: Path) -> CaseResult:
    """Read, check and score one case.

    Raises:
        InvalidInputError: If a file cannot be read, is not a 3D integer label map, the grids differ (the
            message lists each difference), the reference holds no muscle, or a single leg's side is unknown.
    """
    reference_image, prediction_image = read_image(reference_path), read_image(prediction_path)
    if reference_image.GetDimension() == prediction_image.GetDimension():
        differences = geometry_differences(reference_image, prediction_image, tolerance=GRID_TOLERANCE)
        if differences:
            raise InvalidInputError(
                f"{case_id}: the prediction {prediction_path} is not on the grid of the reference "
                f"{reference_path} ({'; '.join(differences)}, prediction != reference). Predict the scan of "
                "this reference (thigh_predict writes labels on the scan's grid), or resample the prediction "
                "onto the reference grid with nearest-neighbour interpolation"
            )
    arrays = (
        label_array(reference_image, reference_path, case_id),
        label_array(prediction_image, prediction_path, case_id),
    )
    spacing_zyx = tuple(float(s) for s in reversed(reference_image.GetSpacing()))
    voxel_volume_ml = float(np.prod(spacing_zyx)) / 1000.0
    legs = find_legs(arrays[0], reference_image, case_id)  # the reference's grid, shared by the prediction
    for array in arrays:
        encode_legs(array, reference_image, legs)
    boxes = [find_objects(array, max_label=MAX_LABEL + LEFT_CODE_OFFSET) for array in arrays]

    @functools.cache  # the group "sartorius" is the class sartorius: scored once
    def structure_scores(labels: tuple[int, ...], offset: int) -> dict[str, Any]:
        codes = [label + offset for label in labels]
        found = [box for code in codes for side in boxes if (box := side[code - 1]) is not None]
        if not found:
            empty = np.zeros((1, 1, 1), dtype=bool)
            return score_masks(empty, empty, spacing_zyx, voxel_volume_ml)
        box = [slice(min(b[a].start for b in found), max(b[a].stop for b in found)) for a in range(3)]
        box = grown(box, arrays[0].shape)
        masks = (np.isin(array[box], codes) for array in arrays)
        return score_masks(*masks, spacing_zyx, voxel_volume_ml)

    offsets = {RIGHT: 0, LEFT: LEFT_CODE_OFFSET}
    scores = tuple(
        StructureScore(case_id, leg, s.kind, s.label, s.name, **structure_scores(s.labels, offsets[leg]))
        for leg in legs.legs
        for s in STRUCTURES
    )
    return CaseResult(case_id, legs, scores)
