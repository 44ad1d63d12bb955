"""The label maps of each case: match the reference folder with the prediction folder, read and check them.

See "Inputs and case matching" in ``documentation/thigh_evaluate.md``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from thigh_common.errors import InvalidInputError
from thigh_common.geometry import geometry_differences
from thigh_common.image_io import (
    CHANNEL_SUFFIX,
    IMAGE_EXTENSIONS,
    image_extension,
    read_image,
    strip_extension,
)
from thigh_common.labels import MUSCLE_LABELS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CasePair:
    """One case to evaluate: its reference and predicted label maps."""

    case_id: str
    reference: Path
    prediction: Path


@dataclass(frozen=True)
class CasePairs:
    """The cases with both files, and the reference cases without a prediction (both in case-id order)."""

    matched: tuple[CasePair, ...]
    missing: tuple[str, ...]


def label_files(folder: Path, role: str, cases: set[str] | None = None) -> dict[str, Path]:
    """The label map files directly in ``folder`` by case id; ``cases`` must have one file each (None: all).

    Raises:
        InvalidInputError: If the folder does not exist, holds no image file, or holds two files
            of one case of ``cases``.
    """
    if not folder.is_dir():
        raise InvalidInputError(
            f"{role} folder {folder} not found: expected a folder of CASE.nii.gz label maps"
        )
    by_case: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith(".") and image_extension(path) is not None:
            by_case[strip_extension(path)].append(path)
    if not by_case:
        raise InvalidInputError(
            f"{role} folder {folder} holds no label map: expected CASE files ending in "
            f"{', '.join(IMAGE_EXTENSIONS)}"
        )
    clashes = {
        case: paths for case, paths in by_case.items() if len(paths) > 1 and (cases is None or case in cases)
    }
    if clashes:
        listing = "; ".join(
            f"{case}: {', '.join(p.name for p in paths)}" for case, paths in sorted(clashes.items())
        )
        raise InvalidInputError(
            f"{role} folder {folder} holds several label maps of one case ({listing}); keep one file per case"
        )
    return {case: paths[0] for case, paths in by_case.items()}


def match_cases(reference_folder: Path, prediction_folder: Path) -> CasePairs:
    """Pair every reference case with its prediction; warn about each reference case without one.

    Raises:
        InvalidInputError: If a folder is missing or holds no label map, or no case has a prediction.
    """
    references = label_files(reference_folder, "reference")
    predictions = label_files(prediction_folder, "prediction", set(references))
    matched = tuple(
        CasePair(case, references[case], predictions[case])
        for case in sorted(references)
        if case in predictions
    )
    missing = tuple(case for case in sorted(references) if case not in predictions)
    if not matched:
        hint = ""
        if all(case.endswith(CHANNEL_SUFFIX) for case in references):
            hint = (
                f" The reference files end in {CHANNEL_SUFFIX}, like CT images: give the dataset's labelsTr "
            )
            hint += "folder, not imagesTr."
        raise InvalidInputError(
            f"no reference case of {reference_folder} has a prediction in {prediction_folder}: reference cases "
            f"{_examples(sorted(references))}; label maps in the prediction folder {_examples(sorted(predictions))}. "
            f"A prediction must be named like its reference (CASE.nii.gz).{hint}"
        )
    for case in missing:
        logger.warning(
            "%s: no prediction in %s; the case is left out of the evaluation", case, prediction_folder
        )
    extra = sorted(set(predictions) - set(references))
    if extra:
        logger.info("%d prediction(s) without a reference are ignored: %s", len(extra), _examples(extra))
    return CasePairs(matched, missing)


def _examples(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"


GRID_TOLERANCE = 1e-3  # absolute tolerance (mm for spacing and origin) when comparing the two grids
MAX_LABEL = max(MUSCLE_LABELS)


@dataclass
class CaseLabels:
    """A case's two label maps on one grid (uint8 ``(z, y, x)``, values 0..10), its spacing, the grid itself."""

    reference: np.ndarray
    prediction: np.ndarray
    spacing_zyx: tuple[float, float, float]
    grid: sitk.Image  # one voxel with the label maps' origin, spacing and direction

    @property
    def voxel_volume_ml(self) -> float:
        """Volume of one voxel in mL."""
        return float(np.prod(self.spacing_zyx)) / 1000.0


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
    if array.min() >= 0 and array.max() <= MAX_LABEL:
        return array.astype(np.uint8, copy=False)
    outside = (array < 0) | (array > MAX_LABEL)
    logger.warning(
        "%s: %s holds %d voxel(s) with values outside 0-%d (e.g. %g); they are treated as background",
        case_id,
        path,
        int(np.count_nonzero(outside)),
        MAX_LABEL,
        float(array[outside][0]),
    )
    array[outside] = 0
    return array.astype(np.uint8, copy=False)


def read_case_labels(case_id: str, reference_path: Path, prediction_path: Path) -> CaseLabels:
    """Read and check the reference and predicted label maps of one case.

    Raises:
        InvalidInputError: If a file cannot be read, is not a 3D integer label map, or the two are not on
            the same grid (the message lists each difference).
    """
    reference_image = read_image(reference_path)
    prediction_image = read_image(prediction_path)
    if reference_image.GetDimension() == prediction_image.GetDimension():
        differences = geometry_differences(reference_image, prediction_image, tolerance=GRID_TOLERANCE)
        if differences:
            raise InvalidInputError(
                f"{case_id}: the prediction {prediction_path} is not on the grid of the reference "
                f"{reference_path} ({'; '.join(differences)}, prediction != reference). Predict the scan of "
                "this reference (thigh_predict writes labels on the scan's grid), or resample the prediction "
                "onto the reference grid with nearest-neighbour interpolation"
            )
    reference = label_array(reference_image, reference_path, case_id)
    prediction = label_array(prediction_image, prediction_path, case_id)
    grid = sitk.Image([1, 1, 1], sitk.sitkUInt8)
    grid.SetOrigin(reference_image.GetOrigin())
    grid.SetSpacing(reference_image.GetSpacing())
    grid.SetDirection(reference_image.GetDirection())
    spacing_zyx = tuple(float(s) for s in reversed(reference_image.GetSpacing()))
    return CaseLabels(reference, prediction, spacing_zyx, grid)
