"""Hand-made label maps for the evaluation tests: a small two-leg scene with known overlaps.

The scene lives on a 40 x 8 x 4 grid (x, y, z) at 2.0 x 1.5 x 3.0 mm (0.009 mL a voxel),
world x from -40 mm (patient right) to +38 mm (patient left). Its right leg occupies
index x 2..9, its left leg x 24..31, with a 30 mm gap between them.

=========  =================================  ====================================
leg        reference                          prediction
=========  =================================  ====================================
right      3: x 2-5, y 0-3 (64 voxels)        3: x 2-5, y 0-2 (48, all inside)
           6: x 2-5, y 4-7 (64)               6: identical
           1: x 6-9, y 0-1 (32)               none (missing in prediction)
left       3: x 28-31, y 0-3 (64)             3: identical
           6: x 24-27, y 0-3 (64)             6: identical
           none                               9: x 30-31, y 6-7 (16; missing in reference)
=========  =================================  ====================================

Label 10 is nowhere (absent in both). The vastus lateralis (3) of the left leg lies at a
greater world x than its adductors (6): lateral is towards the patient's left.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk

SHAPE_ZYX = (4, 8, 40)
SPACING_XYZ = (2.0, 1.5, 3.0)
ORIGIN_XYZ = (-40.0, 10.0, 100.0)
IDENTITY = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
FLIPPED_X = (-1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
VOXEL_ML = 2.0 * 1.5 * 3.0 / 1000.0


def scene() -> tuple[np.ndarray, np.ndarray]:
    """The reference and predicted labels ``(z, y, x)`` of the table above, stored with identity direction."""
    reference = np.zeros(SHAPE_ZYX, np.uint8)
    prediction = np.zeros(SHAPE_ZYX, np.uint8)
    reference[:, 0:4, 2:6] = 3
    reference[:, 4:8, 2:6] = 6
    reference[:, 0:2, 6:10] = 1
    reference[:, 0:4, 28:32] = 3
    reference[:, 0:4, 24:28] = 6
    prediction[:, 0:3, 2:6] = 3
    prediction[:, 4:8, 2:6] = 6
    prediction[:, 0:4, 28:32] = 3
    prediction[:, 0:4, 24:28] = 6
    prediction[:, 6:8, 30:32] = 9
    return reference, prediction


def labels_image(
    array_zyx: np.ndarray,
    spacing_xyz: tuple[float, float, float] = SPACING_XYZ,
    origin_xyz: tuple[float, float, float] = ORIGIN_XYZ,
    direction: tuple[float, ...] = IDENTITY,
) -> sitk.Image:
    """A label image with the given geometry."""
    image = sitk.GetImageFromArray(array_zyx)
    image.SetSpacing(spacing_xyz)
    image.SetOrigin(origin_xyz)
    image.SetDirection(direction)
    return image


def flipped_x(image: sitk.Image) -> sitk.Image:
    """The same world content stored with direction diag(-1, 1, 1): index x grows towards patient right.

    The array is mirrored along x and the origin moved to the former last column, so every
    voxel keeps its world position while its array index changes side.
    """
    array = sitk.GetArrayFromImage(image)[:, :, ::-1].copy()
    last_column = image.TransformIndexToPhysicalPoint((image.GetSize()[0] - 1, 0, 0))
    origin = (last_column[0], *image.GetOrigin()[1:])
    direction = np.asarray(image.GetDirection()).reshape(3, 3) @ np.diag([-1.0, 1.0, 1.0])
    return labels_image(array, image.GetSpacing(), origin, tuple(direction.ravel()))


def write_labels(image: sitk.Image, path: Path) -> Path:
    """Write ``image`` to ``path`` (folders created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(image, str(path))
    return path


def write_scene(reference_folder: Path, prediction_folder: Path, case: str, flip: bool = False) -> None:
    """Write the scene's reference and prediction as ``CASE.nii.gz`` into the two folders."""
    reference, prediction = scene()
    for array, folder in ((reference, reference_folder), (prediction, prediction_folder)):
        image = labels_image(array)
        write_labels(flipped_x(image) if flip else image, folder / f"{case}.nii.gz")
