"""Checks of one case: files readable, 3D single-component, label on the image grid, values.

Headers are read first (``ReadImageInformation``) for dimension, components and
geometry; then the voxels for the intensity and label value checks. Nothing
here raises on a bad file: every failure becomes a :class:`Problem`.

Example:
    >>> from pathlib import Path
    >>> files = CaseFiles("case_01", "imagesTr", "imagesTr/case_01_0000.nii.gz", None)
    >>> result = check_case(files, Path("/no/such/dataset"))
    >>> result.problems[0].check
    'readable'
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import SimpleITK as sitk

from dataset_conversion.validation.intensity_checks import intensity_findings, intensity_range
from dataset_conversion.validation.label_checks import label_value_findings
from dataset_conversion.validation.layout_checks import CaseFiles
from dataset_conversion.validation.problems import Problem
from dataset_conversion.validation.report import CaseInfo
from thigh_common.geometry import geometry_differences
from thigh_common.image_io import unreadable_reason
from thigh_common.nifti_integrity import nifti_truncation

GEOMETRY_TOLERANCE = 1e-3
"""Absolute tolerance for spacing and origin (mm) and direction cosines between image and label."""

SCALAR_PIXEL_IDS = frozenset(
    {
        sitk.sitkUInt8,
        sitk.sitkInt8,
        sitk.sitkUInt16,
        sitk.sitkInt16,
        sitk.sitkUInt32,
        sitk.sitkInt32,
        sitk.sitkUInt64,
        sitk.sitkInt64,
        sitk.sitkFloat32,
        sitk.sitkFloat64,
    }
)


@dataclass(frozen=True)
class CaseResult:
    """What checking one case gave: its description and its problems."""

    info: CaseInfo
    problems: tuple[Problem, ...]


def _error_text(error: Exception) -> str:
    """Return the last line of a SimpleITK error, without its ``sitk::ERROR:`` prefix."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    return (lines[-1] if lines else type(error).__name__).removeprefix("sitk::ERROR:").strip()


def _read_header(path: Path) -> sitk.ImageFileReader:
    """Read the header of ``path`` (no voxels); raise RuntimeError when unreadable."""
    reader = sitk.ImageFileReader()
    reader.SetFileName(str(path))
    reader.ReadImageInformation()
    return reader


def _unreadable(case: str, file: str, path: Path, error: Exception, part: str) -> Problem:
    """Problem for a file whose header or voxels cannot be read; an empty or text file is named so."""
    return Problem(
        case,
        file,
        "readable",
        expected=f"a readable image file ({part})",
        found=f"cannot be read: {unreadable_reason(path) or _error_text(error)}",
        fix="Re-export the file; it is corrupt, truncated or not an image",
    )


def _layout_problems(case: str, file: str, header: sitk.ImageFileReader, what: str) -> list[Problem]:
    """Check that a file holds a 3D image with one scalar (integer or float) component."""
    problems = []
    if header.GetDimension() != 3:
        problems.append(
            Problem(
                case,
                file,
                "dimension",
                expected=f"a 3D {what}",
                found=f"{header.GetDimension()}D, size {header.GetSize()}",
                fix="Store one 3D volume per file",
            )
        )
    if header.GetNumberOfComponents() != 1:
        problems.append(
            Problem(
                case,
                file,
                "components",
                expected=f"a single-component (grey-value) {what}",
                found=f"{header.GetNumberOfComponents()} components per voxel",
                fix="Store a scalar image, not RGB or a vector image",
            )
        )
    elif header.GetPixelID() not in SCALAR_PIXEL_IDS:
        problems.append(
            Problem(
                case,
                file,
                "pixel type",
                expected="integer or floating-point voxels",
                found=sitk.GetPixelIDValueAsString(header.GetPixelID()),
            )
        )
    return problems


def check_case(files: CaseFiles, folder: Path) -> CaseResult:
    """Check the image (and label, for training cases) of one case.

    Args:
        files: The case's files, relative to ``folder``.
        folder: The dataset folder.

    Returns:
        The case description and every problem found in it.
    """
    case = files.case
    problems: list[Problem] = []
    info = CaseInfo(case, files.folder)
    image_header = label_header = None
    try:
        image_header = _read_header(folder / files.image)
    except RuntimeError as error:
        problems.append(_unreadable(case, files.image, folder / files.image, error, "header"))
    if image_header is not None:
        image_layout = _layout_problems(case, files.image, image_header, "CT image")
        problems += image_layout
        info = CaseInfo(
            case,
            files.folder,
            tuple(image_header.GetSize()),
            tuple(image_header.GetSpacing()),
            sitk.GetPixelIDValueAsString(image_header.GetPixelID()),
        )
        if not image_layout:
            intensity_problems, value_range = _check_image_values(case, files.image, folder, image_header)
            problems += intensity_problems
            info = replace(info, intensity_range=value_range)
    if files.label is None:
        return CaseResult(info, tuple(problems))
    try:
        label_header = _read_header(folder / files.label)
    except RuntimeError as error:
        problems.append(_unreadable(case, files.label, folder / files.label, error, "header"))
        return CaseResult(info, tuple(problems))
    label_layout = _layout_problems(case, files.label, label_header, "label map")
    problems += label_layout
    if image_header is not None:
        differences = geometry_differences(image_header, label_header, tolerance=GEOMETRY_TOLERANCE)
        if differences:
            problems.append(
                Problem(
                    case,
                    files.label,
                    "same grid as image",
                    expected=f"size, spacing, origin and direction of {files.image}",
                    found="; ".join(differences) + " (label != image)",
                    fix="Resample the label onto the image grid with nearest-neighbour "
                    "interpolation, or copy the image geometry if only the header differs",
                )
            )
    if not label_layout:
        label_problems, present = _check_label_values(case, files.label, folder, label_header)
        problems += label_problems
        info = replace(info, labels_present=present)
    return CaseResult(info, tuple(problems))


def _read_voxels(
    case: str, file: str, folder: Path, header: sitk.ImageFileReader
) -> tuple[sitk.Image | None, list[Problem]]:
    """Read the voxels of a file whose header was read; a truncated or corrupt file is a problem."""
    truncation = nifti_truncation(folder / file, header)
    if truncation is not None:
        problem = Problem(
            case,
            file,
            "readable",
            expected="a complete image file",
            found=f"a truncated file: {truncation}",
            fix="Copy or export the file again; missing voxels would be read as 0",
        )
        return None, [problem]
    try:
        return header.Execute(), []
    except RuntimeError as error:
        return None, [_unreadable(case, file, folder / file, error, "voxel data")]


def _check_image_values(
    case: str, file: str, folder: Path, header: sitk.ImageFileReader
) -> tuple[list[Problem], tuple[float, float] | None]:
    """Read the voxels of a CT image and check that they look like HU."""
    image, problems = _read_voxels(case, file, folder, header)
    if image is None:
        return problems, None
    array = sitk.GetArrayViewFromImage(image)
    lowest, highest = intensity_range(array)
    findings = intensity_findings(lowest, highest, array)
    return [finding.at(case, file) for finding in findings], (lowest, highest)


def _check_label_values(
    case: str, file: str, folder: Path, header: sitk.ImageFileReader
) -> tuple[list[Problem], tuple[int, ...]]:
    """Read the voxels of a label map and check its values."""
    label, problems = _read_voxels(case, file, folder, header)
    if label is None:
        return problems, ()
    present, findings = label_value_findings(sitk.GetArrayViewFromImage(label))
    return [finding.at(case, file) for finding in findings], present
