"""Reading DICOM series with SimpleITK (GDCM), keeping their geometry.

A folder may hold one or several series; the CT series is chosen by its
Modality tag (0008|0060), or by an explicit series instance UID. The image
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

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from thigh_common.errors import InvalidInputError
from thigh_common.image_io import READING_NOTE_KEY

LOGGER = logging.getLogger("thighseg.dicom")

MODALITY_TAG = "0008|0060"
SERIES_DESCRIPTION_TAG = "0008|103e"
IMAGE_POSITION_TAG = "0020|0032"
IMAGE_ORIENTATION_TAG = "0020|0037"
CT_MODALITY = "CT"
SLICE_SPACING_TOLERANCE = 0.01  # relative deviation of a gap from the mean slice gap


@dataclass(frozen=True)
class SeriesInfo:
    """One DICOM series found in a folder.

    Attributes:
        uid: Series instance UID (0020|000e); empty when the files carry none.
        modality: Modality tag (0008|0060), e.g. ``"CT"``; empty when missing.
        description: Series description (0008|103e); empty when missing.
        num_files: Number of files (slices) of the series.
        folder: The folder that holds the series.
        files: The files of the series, in slice order (GDCM's sorting).
    """

    uid: str
    modality: str
    description: str
    num_files: int
    folder: Path
    files: tuple[str, ...]

    def describe(self) -> str:
        """Return a one-line description: UID, modality, description and slice count."""
        uid = self.uid or "(no series UID)"
        description = self.description or "no description"
        return f"{uid} [{self.modality or 'no modality'}] '{description}', {self.num_files} files"


@contextlib.contextmanager
def _quiet_itk() -> Iterator[None]:
    """Silence ITK's own warnings on stderr (we log clearer ones), restoring the setting after."""
    previous = sitk.ProcessObject.GetGlobalWarningDisplay()
    sitk.ProcessObject.SetGlobalWarningDisplay(False)
    try:
        yield
    finally:
        sitk.ProcessObject.SetGlobalWarningDisplay(previous)


def _series_ids(folder: Path) -> tuple[str, ...]:
    """Return GDCM's series UIDs of the files directly in ``folder`` (none for a folder without files)."""
    if not any(path.is_file() for path in folder.iterdir()):
        return ()
    with _quiet_itk():
        return tuple(sitk.ImageSeriesReader.GetGDCMSeriesIDs(str(folder)))


def _header_value(reader: sitk.ImageFileReader, tag: str) -> str:
    """Return the stripped value of ``tag`` read by ``reader``, or an empty string."""
    return reader.GetMetaData(tag).strip() if reader.HasMetaDataKey(tag) else ""


def _read_header(file_name: str) -> sitk.ImageFileReader | None:
    """Read the header (no pixels) of one DICOM file; None when it cannot be read."""
    reader = sitk.ImageFileReader()
    reader.SetFileName(file_name)
    reader.SetImageIO("GDCMImageIO")
    reader.LoadPrivateTagsOn()
    try:
        reader.ReadImageInformation()
    except RuntimeError as error:
        LOGGER.debug("%s: header not readable (%s)", file_name, error)
        return None
    return reader


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
        with _quiet_itk():
            files = tuple(sitk.ImageSeriesReader.GetGDCMSeriesFileNames(str(folder), uid))
        if not files:
            continue
        header = _read_header(files[0])
        modality = _header_value(header, MODALITY_TAG) if header else ""
        description = _header_value(header, SERIES_DESCRIPTION_TAG) if header else ""
        series.append(SeriesInfo(uid, modality.upper(), description, len(files), folder, files))
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


def choose_series(series: list[SeriesInfo], folder: Path, series_uid: str | None = None) -> SeriesInfo:
    """Choose the series to read: the one with ``series_uid``, else the only CT series.

    Args:
        series: The series found in ``folder``.
        folder: The folder (for messages).
        series_uid: The series instance UID to read, or None to pick the CT series.

    Returns:
        The chosen series.

    Raises:
        InvalidInputError: If there is no series, the UID is not there, no CT
            series, or several CT series and no UID.
    """
    listing = "\n".join(f"  {info.describe()}" for info in series)
    if not series:
        subfolders = (
            [path.name for path in sorted(folder.iterdir()) if path.is_dir()] if folder.is_dir() else []
        )
        hint = (
            f" It has subfolders ({', '.join(subfolders[:5])}{', ...' if len(subfolders) > 5 else ''}); "
            "give one series folder, or convert them all with `thigh_convert dicom`."
            if subfolders
            else ""
        )
        raise InvalidInputError(
            f"{folder}: no DICOM series found (no readable DICOM files in this folder).{hint}"
        )
    if series_uid is not None:
        for info in series:
            if info.uid == series_uid:
                return info
        raise InvalidInputError(f"{folder}: no series with UID {series_uid!r}; the folder holds:\n{listing}")
    ct_series = [info for info in series if info.modality == CT_MODALITY]
    if len(ct_series) == 1:
        return ct_series[0]
    if len(ct_series) > 1:
        raise InvalidInputError(
            f"{folder}: {len(ct_series)} CT series found; pass the series UID of the one to read "
            f"(--series-uid UID):\n" + "\n".join(f"  {info.describe()}" for info in ct_series)
        )
    if len(series) == 1 and not series[0].modality:
        LOGGER.warning("%s: the series has no Modality tag; reading it as CT", folder)
        return series[0]
    raise InvalidInputError(
        f"{folder}: no CT series found (Modality tag 0008|0060 is not CT); the folder holds:\n{listing}\n"
        "thighseg needs CT in Hounsfield units; pass --series-uid UID to read another series anyway."
    )


def read_dicom_series(folder: str | os.PathLike[str], series_uid: str | None = None) -> sitk.Image:
    """Read one DICOM series of ``folder`` as a 3D image in Hounsfield units.

    Args:
        folder: A folder holding the series' files.
        series_uid: Series instance UID to read; None picks the only CT series.

    Returns:
        The image with spacing, origin and direction from the DICOM tags; int16
        when the values are integral and fit, else the reader's pixel type.

    Raises:
        InvalidInputError: If the folder has no series, the choice is ambiguous,
            the series cannot be read, or it is not a 3D volume.

    Unevenly spaced slices are logged as a warning and kept with the image as its
    reading note (:func:`thigh_common.image_io.reading_note`).
    """
    folder = Path(folder)
    chosen = choose_series(list_dicom_series(folder), folder, series_uid)
    LOGGER.debug("%s: reading series %s", folder, chosen.describe())
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(list(chosen.files))
    reader.SetImageIO("GDCMImageIO")
    try:
        with _quiet_itk():
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
    positions = []
    normal = None
    for file_name in series.files:
        header = _read_header(file_name)
        if header is None or not header.HasMetaDataKey(IMAGE_POSITION_TAG):
            return None
        try:
            positions.append(
                [float(value) for value in _header_value(header, IMAGE_POSITION_TAG).split("\\")]
            )
            if normal is None:
                orientation = [
                    float(value) for value in _header_value(header, IMAGE_ORIENTATION_TAG).split("\\")
                ]
                normal = np.cross(orientation[:3], orientation[3:6])
        except (ValueError, IndexError):
            return None
    if normal is None or len(positions[0]) != 3:
        return None
    gaps = np.diff(np.asarray(positions) @ normal)
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
