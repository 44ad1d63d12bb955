"""Reading DICOM series with SimpleITK (GDCM), keeping their geometry.

A folder may hold one or several series; the series is chosen by an explicit
series instance UID, or else by the rule of :mod:`thigh_common.series_choice`
(the CT volume of the longest coverage, localizers skipped). The image
keeps spacing (the slice spacing comes from the ImagePositionPatient of the
slices, not from SliceThickness), origin and direction; voxel values are in
Hounsfield units (GDCM applies RescaleSlope/RescaleIntercept) and are stored
as int16 when they are integral and fit. When the slices are not evenly spaced
(missing slices), a warning is logged and the image carries a note
(``thigh_common.image_io.reading_note``) that ``thigh_predict`` writes into the
case's muscle table.

Example:
    >>> from thigh_common.dicom import list_dicom_series, read_dicom_series
    >>> for series in list_dicom_series("patient/ct"):  # doctest: +SKIP
    ...     print(series.describe())
    >>> image = read_dicom_series("patient/ct")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from thigh_common.dicom_headers import READING_NOTE_KEY, SeriesInfo, quiet_itk, series_info
from thigh_common.errors import InvalidInputError
from thigh_common.series_choice import choose_series, series_geometry

__all__ = [
    "SeriesInfo",
    "cast_integral_to_int16",
    "choose_series",
    "find_series_folders",
    "irregular_slices_note",
    "list_dicom_series",
    "read_dicom_series",
]

LOGGER = logging.getLogger("thighseg.dicom")

SLICE_SPACING_TOLERANCE = 0.01  # relative deviation of a gap from the mean slice gap


def _series_ids(folder: Path) -> tuple[str, ...]:
    """Return GDCM's series UIDs of the files directly in ``folder`` (none for a folder without files)."""
    if not any(path.is_file() for path in folder.iterdir()):
        return ()
    with quiet_itk():
        return tuple(sitk.ImageSeriesReader.GetGDCMSeriesIDs(str(folder)))


def list_dicom_series(folder: str | os.PathLike[str]) -> list[SeriesInfo]:
    """List the DICOM series directly inside ``folder`` (subfolders are not searched).

    Args:
        folder: A folder of DICOM files.

    Returns:
        One :class:`SeriesInfo` per series, in GDCM's order; empty when there is none.

    Raises:
        InvalidInputError: If ``folder`` is not a folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInputError(f"{folder}: not a folder; expected a folder of DICOM files")
    series = []
    for uid in _series_ids(folder):
        with quiet_itk():
            files = tuple(sitk.ImageSeriesReader.GetGDCMSeriesFileNames(str(folder), uid))
        if files:
            series.append(series_info(uid, folder, files))
    return series


def find_series_folders(root: str | os.PathLike[str]) -> list[Path]:
    """Return every folder under ``root`` (``root`` included) that directly holds a DICOM series.

    Args:
        root: The folder to search recursively.

    Returns:
        The folders, sorted by path.

    Raises:
        InvalidInputError: If ``root`` is not a folder.
    """
    root = Path(root)
    if not root.is_dir():
        raise InvalidInputError(f"{root}: not a folder; expected a folder of DICOM series folders")
    found = []
    for current, subfolders, files in os.walk(root):
        subfolders.sort()
        if files and _series_ids(Path(current)):
            found.append(Path(current))
    return sorted(found)


def read_dicom_series(folder: str | os.PathLike[str], series_uid: str | None = None) -> sitk.Image:
    """Read one DICOM series of ``folder`` as a 3D image in Hounsfield units.

    Args:
        folder: A folder holding the series' files.
        series_uid: Series instance UID to read; None chooses by :func:`choose_series`.

    Returns:
        The image with spacing, origin and direction from the DICOM tags; int16
        when the values are integral and fit, else the reader's pixel type.

    Raises:
        InvalidInputError: If the folder has no series, the choice is ambiguous,
            the series cannot be read, or it is not a 3D volume.

    Unevenly spaced slices are logged as a warning and kept with the image as its
    reading note (:func:`thigh_common.image_io.reading_note`); the series' PatientID and
    StudyDate are kept as the image's metadata (:func:`thigh_common.image_io.scan_identity`).
    """
    folder = Path(folder)
    chosen = choose_series(list_dicom_series(folder), folder, series_uid)
    LOGGER.debug("%s: reading series %s", folder, chosen.describe())
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(list(chosen.files))
    reader.SetImageIO("GDCMImageIO")
    try:
        with quiet_itk():
            image = reader.Execute()
    except RuntimeError as error:
        reason = _itk_reason(str(error))
        raise InvalidInputError(
            f"{folder}: DICOM series {chosen.describe()} could not be read ({reason}); "
            "check that the files are complete and belong to one series with one slice size"
        ) from error
    if image.GetDimension() != 3 or image.GetSize()[2] < 2:
        raise InvalidInputError(
            f"{folder}: series {chosen.describe()} is not a 3D volume (size {image.GetSize()}); "
            "thighseg needs a CT volume of at least two slices"
        )
    if image.GetNumberOfComponentsPerPixel() != 1:
        raise InvalidInputError(
            f"{folder}: series {chosen.describe()} has {image.GetNumberOfComponentsPerPixel()} components "
            "per voxel (colour?); thighseg needs a greyscale CT volume"
        )
    note = irregular_slices_note(chosen)
    image = cast_integral_to_int16(image)
    for tag, value in chosen.identity:
        image.SetMetaData(tag, value)
    if note is not None:
        LOGGER.warning("%s: %s", folder, note)
        image.SetMetaData(READING_NOTE_KEY, note)
    return image


def _itk_reason(message: str) -> str:
    """Return the first informative sentence of an ITK exception message."""
    for line in message.splitlines():
        line = line.strip()
        if (
            line
            and not line.startswith("Exception thrown")
            and not re.search(r"\.(h|hxx|cxx|txx):\d+:?$", line)
        ):
            return line.split(". ")[0].rstrip(".")
    return "unknown error"


def irregular_slices_note(series: SeriesInfo) -> str | None:
    """Say how the slice positions of ``series`` are not evenly spaced (missing slices, varying gaps).

    Args:
        series: A series with at least three files, in slice order.

    Returns:
        A note such as ``"slices are not evenly spaced (gaps from 2.500 to 5.000 mm, mean
        2.727 mm): missing slices or a varying slice distance, so the geometry is
        approximate"``; None when evenly spaced, or when the positions cannot be read.
    """
    if len(series.files) < 3:
        return None
    geometry = series_geometry(series)
    if geometry is None:
        return None
    gaps = np.diff(geometry.positions_mm)
    mean_gap = float(np.mean(gaps))
    if not (mean_gap == 0 or np.max(np.abs(gaps - mean_gap)) > SLICE_SPACING_TOLERANCE * abs(mean_gap)):
        return None
    return (
        f"slices are not evenly spaced (gaps from {float(np.min(gaps)):.3f} to {float(np.max(gaps)):.3f} mm, "
        f"mean {mean_gap:.3f} mm): missing slices or a varying slice distance, so the geometry is approximate"
    )


def cast_integral_to_int16(image: sitk.Image) -> sitk.Image:
    """Return ``image`` as int16 when all its values are integral and fit, else unchanged.

    Args:
        image: A scalar image.

    Returns:
        The int16 image (same geometry), or ``image`` itself.
    """
    if image.GetPixelID() == sitk.sitkInt16 or image.GetNumberOfComponentsPerPixel() != 1:
        return image
    array = sitk.GetArrayViewFromImage(image)
    if array.size == 0 or not np.all(np.isfinite(array)):
        return image
    info = np.iinfo(np.int16)
    if array.min() < info.min or array.max() > info.max:
        return image
    if np.issubdtype(array.dtype, np.floating) and not np.array_equal(array, np.round(array)):
        return image
    return sitk.Cast(image, sitk.sitkInt16)
