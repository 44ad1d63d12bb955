"""DICOM header tags thighseg reads, one series' summary, and reading one file's header.

Only headers (no pixels) are read here, with SimpleITK's GDCM reader.
:class:`SeriesInfo` is what :func:`thigh_common.dicom.list_dicom_series` finds
per series; :mod:`thigh_common.series_choice` reads the slice geometry when it
has to choose among several series.

Example:
    >>> header = read_header("ct/slice_001.dcm")  # doctest: +SKIP
    >>> header_value(header, MODALITY_TAG)  # doctest: +SKIP
    'CT'
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import SimpleITK as sitk

LOGGER = logging.getLogger("thighseg.dicom")

IMAGE_TYPE_TAG = "0008|0008"
MODALITY_TAG = "0008|0060"
SERIES_DESCRIPTION_TAG = "0008|103e"
SLICE_THICKNESS_TAG = "0018|0050"
IMAGE_POSITION_TAG = "0020|0032"
IMAGE_ORIENTATION_TAG = "0020|0037"
PATIENT_ID_TAG = "0010|0020"
STUDY_DATE_TAG = "0008|0020"
IDENTITY_TAGS: tuple[str, str] = (PATIENT_ID_TAG, STUDY_DATE_TAG)
"""Tags copied from a series' first file onto the image read (:func:`thigh_common.dicom.read_dicom_series`):
``thigh_predict`` writes them into the muscle table, ``thigh_followup`` checks and dates the pairs with them."""
READING_NOTE_KEY = "thighseg_reading_note"
"""Metadata key of an image's reading note (e.g. missing DICOM slices), set by
:func:`thigh_common.dicom.read_dicom_series` and read by :func:`thigh_common.image_io.reading_note`."""


@dataclass(frozen=True)
class SeriesInfo:
    """One DICOM series found in a folder (tags read from its first file).

    Attributes:
        uid: Series instance UID (0020|000e); empty when the files carry none.
        modality: Modality tag (0008|0060), upper case, e.g. ``"CT"``; empty when missing.
        description: Series description (0008|103e); empty when missing.
        num_files: Number of files (slices) of the series.
        folder: The folder that holds the series.
        files: The files of the series, in slice order (GDCM's sorting).
        image_type: Values of ImageType (0008|0008), upper case, e.g.
            ``("ORIGINAL", "PRIMARY", "LOCALIZER")``; empty when missing.
        slice_thickness: SliceThickness (0018|0050) in mm; None when missing or not a number.
        identity: ``(tag, value)`` of PatientID (0010|0020) and StudyDate (0008|0020) as in the
            file; a missing or empty tag is left out.
    """

    uid: str
    modality: str
    description: str
    num_files: int
    folder: Path
    files: tuple[str, ...]
    image_type: tuple[str, ...] = ()
    slice_thickness: float | None = None
    identity: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        """Return one line: UID, modality, description, file count and slice thickness."""
        uid = self.uid or "(no series UID)"
        description = self.description or "no description"
        thickness = (
            f"{self.slice_thickness:g} mm thick" if self.slice_thickness is not None else "thickness unknown"
        )
        return (
            f"{uid} [{self.modality or 'no modality'}] '{description}', {self.num_files} "
            f"file{'s' if self.num_files != 1 else ''}, {thickness}"
        )


@contextlib.contextmanager
def quiet_itk() -> Iterator[None]:
    """Silence ITK's own warnings on stderr (we log clearer ones), restoring the setting after."""
    previous = sitk.ProcessObject.GetGlobalWarningDisplay()
    sitk.ProcessObject.SetGlobalWarningDisplay(False)
    try:
        yield
    finally:
        sitk.ProcessObject.SetGlobalWarningDisplay(previous)


def header_value(reader: sitk.ImageFileReader, tag: str) -> str:
    """Return the stripped value of ``tag`` read by ``reader``, or an empty string."""
    return reader.GetMetaData(tag).strip() if reader.HasMetaDataKey(tag) else ""


def header_numbers(reader: sitk.ImageFileReader, tag: str) -> tuple[float, ...] | None:
    """Return the backslash-separated numbers of ``tag`` (e.g. a position); None when missing or not numbers."""
    text = header_value(reader, tag)
    if not text:
        return None
    try:
        return tuple(float(value) for value in text.split("\\"))
    except ValueError:
        return None


def read_header(file_name: str) -> sitk.ImageFileReader | None:
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


def series_info(uid: str, folder: Path, files: tuple[str, ...]) -> SeriesInfo:
    """Summarise the series ``uid`` of ``folder`` from the header of its first file.

    Args:
        uid: The series instance UID.
        folder: The folder holding the series.
        files: Its files in slice order (at least one).

    Returns:
        The series' summary; tags that cannot be read are left empty.
    """
    header = read_header(files[0])
    if header is None:
        return SeriesInfo(uid, "", "", len(files), folder, files)
    image_type = tuple(
        value.strip().upper() for value in header_value(header, IMAGE_TYPE_TAG).split("\\") if value.strip()
    )
    thickness = header_numbers(header, SLICE_THICKNESS_TAG)
    return SeriesInfo(
        uid,
        header_value(header, MODALITY_TAG).upper(),
        header_value(header, SERIES_DESCRIPTION_TAG),
        len(files),
        folder,
        files,
        image_type,
        thickness[0] if thickness and len(thickness) == 1 else None,
        tuple((tag, value) for tag in IDENTITY_TAGS if (value := header_value(header, tag))),
    )
