"""The scans that ``thigh_predict -i IN`` works on: find them, name them, check them once read.

IN may be one image file (NIfTI, NRRD, MHA), a folder of image files, a DICOM
series folder, or a folder of DICOM series folders (any depth); a folder may
hold image files and series folders together. Finding reads no image;
:func:`read_scan` reads one (a DICOM folder's series is chosen then, by
``thigh_common.series_choice``, unless ``--series-uid`` named it) and
:func:`check_scan` checks it.

Case ids: an image file's name without its extension and without an nnU-Net
channel suffix ``_0000``; a DICOM series folder's path below IN with its parts
joined by ``_`` (the folder's own name when IN is the series folder).

Example:
    >>> for scan in find_scans(Path("scans")):  # doctest: +SKIP
    ...     image = read_scan(scan)
    ...     check_scan(image, scan.case_id)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import SimpleITK as sitk

from dataset_conversion.validation.intensity_checks import intensity_findings, intensity_range
from thigh_common.dicom import find_series_folders, list_dicom_series, read_dicom_series
from thigh_common.errors import InvalidInputError
from thigh_common.image_io import IMAGE_EXTENSIONS, case_id_from_image_file, image_extension, read_image
from thigh_common.series_choice import choose_series

logger = logging.getLogger(__name__)

ScanKind = Literal["file", "dicom"]


@dataclass(frozen=True)
class ScanInput:
    """One scan to predict.

    Attributes:
        case_id: Name of the scan in the outputs (``OUT/CASE.nii.gz`` ...).
        path: The image file, or the folder holding the DICOM series.
        kind: ``"file"`` for an image file, ``"dicom"`` for a series folder.
        series_uid: The series to read from a DICOM folder (``--series-uid``); None lets
            :func:`thigh_common.series_choice.choose_series` choose.
    """

    case_id: str
    path: Path
    kind: ScanKind
    series_uid: str | None = None


def _image_files(folder: Path) -> list[Path]:
    """Image files directly in ``folder`` (hidden files such as half-written ``.part`` files skipped)."""
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and not path.name.startswith(".") and image_extension(path) is not None
    )


def _dicom_case_id(series_folder: Path, root: Path) -> str:
    """``a/b/c`` below ``root`` -> ``a_b_c``; ``root`` itself -> its own name."""
    relative = series_folder.relative_to(root)
    return "_".join(relative.parts) if relative.parts else root.resolve().name


def _raise_on_duplicates(scans: list[ScanInput]) -> None:
    """Raise when two scans share a case id, listing every clash and its sources."""
    sources: dict[str, list[Path]] = {}
    for scan in scans:
        sources.setdefault(scan.case_id, []).append(scan.path)
    clashes = {case_id: paths for case_id, paths in sources.items() if len(paths) > 1}
    if clashes:
        listing = "\n".join(
            f"  {case_id}: {', '.join(str(path) for path in paths)}"
            for case_id, paths in sorted(clashes.items())
        )
        raise InvalidInputError(
            f"{len(clashes)} case id(s) are used by several scans, so their outputs would overwrite "
            f"each other:\n{listing}\nRename the files or folders so that every scan has its own name."
        )


def _pick_series(path: Path, scans: list[ScanInput], series_uid: str | None) -> ScanInput:
    """The one DICOM scan of IN, set to read ``series_uid`` or the series the rule chooses.

    Raises:
        InvalidInputError: If ``series_uid`` is given but IN is not one DICOM folder or
            lacks that series, or no series can be chosen.
    """
    if len(scans) != 1 or scans[0].kind != "dicom":
        files = sum(scan.kind == "file" for scan in scans)
        raise InvalidInputError(
            f"{path}: --series-uid picks a series in one DICOM folder, but IN holds {files} image file(s) and "
            f"{len(scans) - files} DICOM series folder(s); give the folder that holds the series with -i"
        )
    folder = scans[0].path
    chosen = choose_series(list_dicom_series(folder), folder, series_uid)
    if series_uid is not None:
        logger.info("%s: reading series %s (--series-uid)", folder, chosen.describe())
    return ScanInput(scans[0].case_id, folder, "dicom", chosen.uid)


def find_scans(path: Path, series_uid: str | None = None) -> list[ScanInput]:
    """Find the scans of ``path``: one image file, image files in a folder, or DICOM series folders.

    When IN holds a single DICOM folder, its series is chosen here (``series_uid``, else
    :func:`thigh_common.series_choice.choose_series`; headers only), so a wrong UID or a
    folder without one clear CT series stops the command before the model is loaded. In
    a folder of several scans, each DICOM folder's series is chosen when it is read
    (:func:`read_scan`), and a folder that fails fails only its scan.

    Args:
        path: IN of ``thigh_predict``: a file or a folder.
        series_uid: ``--series-uid``: the series to read when IN is one DICOM folder
            holding several series.

    Returns:
        The scans, sorted by case id.

    Raises:
        InvalidInputError: If ``path`` is missing or not a supported file, nothing
            is found, two scans would get the same case id, ``series_uid`` is given
            but IN is not one DICOM folder or holds no series with that UID, or the
            series of IN's single DICOM folder cannot be chosen.
    """
    path = Path(path)
    if not path.exists():
        raise InvalidInputError(f"{path}: no such file or folder; give a CT image file or a folder of scans")
    if path.is_file():
        if image_extension(path) is None:
            raise InvalidInputError(
                f"{path}: not a supported image file; expected one of {', '.join(IMAGE_EXTENSIONS)}, "
                "a folder of such files, or a DICOM series folder"
            )
        scans = [ScanInput(case_id_from_image_file(path), path, "file")]
        return scans if series_uid is None else [_pick_series(path, scans, series_uid)]
    scans = [ScanInput(case_id_from_image_file(file), file, "file") for file in _image_files(path)]
    scans += [
        ScanInput(_dicom_case_id(folder, path), folder, "dicom") for folder in find_series_folders(path)
    ]
    if not scans:
        raise InvalidInputError(
            f"{path}: no scans found; looked for image files ({', '.join(IMAGE_EXTENSIONS)}) directly in "
            "the folder and for DICOM series in it and in all its subfolders"
        )
    if series_uid is not None or (len(scans) == 1 and scans[0].kind == "dicom"):
        scans = [_pick_series(path, scans, series_uid)]
    _raise_on_duplicates(scans)
    scans.sort(key=lambda scan: scan.case_id)
    logger.info(
        "%s: %d scan(s) found (%d image file(s), %d DICOM series)",
        path,
        len(scans),
        sum(scan.kind == "file" for scan in scans),
        sum(scan.kind == "dicom" for scan in scans),
    )
    return scans


def read_scan(scan: ScanInput) -> sitk.Image:
    """Read a scan: an image file, or the chosen (or ``--series-uid``) series of a DICOM folder.

    Raises:
        InvalidInputError: If it cannot be read, or a DICOM folder's series cannot be chosen
            (no CT volume, or several equally plausible ones).
    """
    if scan.kind == "dicom":
        return read_dicom_series(scan.path, scan.series_uid)
    return read_image(scan.path)


def check_scan(image: sitk.Image, case_id: str) -> None:
    """Check that a read scan is a 3D single-component CT volume in Hounsfield units.

    The intensity rules are those of ``thigh_validate``
    (``dataset_conversion.validation.intensity_checks``).

    Args:
        image: The scan as read.
        case_id: Its name, for messages.

    Raises:
        InvalidInputError: If the image is 2D (or not 3D), has several components
            per voxel, or its values do not look like CT in HU.
    """
    size = image.GetSize()
    size_text = " x ".join(str(value) for value in size)
    dimension = image.GetDimension()
    if dimension == 2 or (dimension == 3 and min(size) == 1):
        raise InvalidInputError(
            f"{case_id}: the image is 2D ({size_text}); thigh_predict needs a 3D CT volume"
        )
    if dimension != 3:
        raise InvalidInputError(
            f"{case_id}: the image has {dimension} dimensions ({size_text}); thigh_predict needs a 3D CT volume"
        )
    components = image.GetNumberOfComponentsPerPixel()
    if components != 1:
        raise InvalidInputError(
            f"{case_id}: the image has {components} components per voxel (a colour or vector image); "
            "thigh_predict needs a single-component (grey-value) CT volume in HU"
        )
    array = sitk.GetArrayViewFromImage(image)
    findings = intensity_findings(*intensity_range(array), array)
    if findings:
        reasons = "; ".join(f"found {finding.found}. {finding.fix}" for finding in findings)
        raise InvalidInputError(
            f"{case_id}: not a CT in Hounsfield units; expected {findings[0].expected}; {reasons}"
        )
