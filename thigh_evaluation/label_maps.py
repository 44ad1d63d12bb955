"""Read a case's reference and predicted label maps and check that they can be compared.

Both must be 3D, single-component images with integer labels, on the same grid (size,
spacing, origin and direction within :data:`GRID_TOLERANCE`). Values outside 0..10 are
not muscles: they are logged and treated as background.

Example:
    >>> labels = read_case_labels("case_01", Path("labelsTr/case_01.nii.gz"),
    ...                           Path("predictions/case_01.nii.gz"))  # doctest: +SKIP
    >>> labels.reference.shape == labels.prediction.shape  # doctest: +SKIP
    True
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from thigh_common.errors import InvalidInputError
from thigh_common.geometry import geometry_differences
from thigh_common.image_io import read_image
from thigh_common.labels import MUSCLE_LABELS
from thigh_evaluation.leg_split import WorldX

logger = logging.getLogger(__name__)

GRID_TOLERANCE = 1e-3
"""Absolute tolerance (mm for spacing and origin) when comparing the two grids."""
MAX_LABEL = max(MUSCLE_LABELS)


@dataclass
class CaseLabels:
    """The two label maps of a case, as uint8 arrays ``(z, y, x)`` with values 0..10.

    Attributes:
        reference: Reference labels.
        prediction: Predicted labels on the same grid.
        spacing_zyx: Voxel spacing in mm, numpy order.
        world_x: World x (LPS, towards the patient's left) of the grid's voxels.
    """

    reference: np.ndarray
    prediction: np.ndarray
    spacing_zyx: tuple[float, float, float]
    world_x: WorldX

    @property
    def voxel_volume_ml(self) -> float:
        """Volume of one voxel in mL."""
        return float(np.prod(self.spacing_zyx)) / 1000.0


def label_array(image: sitk.Image, path: Path, case_id: str) -> np.ndarray:
    """The labels of ``image`` as uint8 ``(z, y, x)``, values outside 0..10 set to 0 (with a warning).

    Args:
        image: A label map read from ``path``.
        path: Its file, for messages.
        case_id: The case, for messages.

    Raises:
        InvalidInputError: If the image is not 3D, has several components per voxel, or holds
            non-integer values.
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
        case_id, path, int(np.count_nonzero(outside)), MAX_LABEL, float(array[outside][0]),
    )  # fmt: skip
    array[outside] = 0
    return array.astype(np.uint8, copy=False)


def read_case_labels(case_id: str, reference_path: Path, prediction_path: Path) -> CaseLabels:
    """Read and check the reference and predicted label maps of one case.

    Args:
        case_id: The case, for messages.
        reference_path: The reference label map.
        prediction_path: The predicted label map.

    Returns:
        Both label maps and the grid's spacing and world x.

    Raises:
        InvalidInputError: If a file cannot be read, is not a 3D integer label map, or the two are
            not on the same grid (the message lists each difference).
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
    spacing = reference_image.GetSpacing()
    return CaseLabels(
        reference=reference,
        prediction=prediction,
        spacing_zyx=(float(spacing[2]), float(spacing[1]), float(spacing[0])),
        world_x=WorldX.of(reference_image),
    )
