"""Reading and writing medical images with SimpleITK, keeping their geometry.

Images are handled as ``SimpleITK.Image`` objects so that spacing, origin and
direction travel with the voxels. Arrays taken from them are in SimpleITK's
numpy order ``(z, y, x)``.

Example:
    >>> import numpy as np, SimpleITK as sitk, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.nii.gz"
    >>> write_image(sitk.GetImageFromArray(np.zeros((2, 3, 4), np.int16)), path)
    >>> read_image(path).GetSize()
    (4, 3, 2)
"""

from __future__ import annotations

import os
from pathlib import Path

import SimpleITK as sitk

from thigh_common.atomic import atomic_path
from thigh_common.dicom_headers import PATIENT_ID_TAG, READING_NOTE_KEY, STUDY_DATE_TAG
from thigh_common.errors import InvalidInputError
from thigh_common.nifti_integrity import nifti_truncation

IMAGE_EXTENSIONS: tuple[str, ...] = (".nii.gz", ".nii", ".nrrd", ".nhdr", ".mha", ".mhd")
CHANNEL_SUFFIX = "_0000"
TEXT_PREVIEW_BYTES = 40
"""How much of a text file's start an error message quotes."""
_TEXT_BYTES = frozenset(range(32, 127)) | {9, 10, 13}


def image_extension(path: str | os.PathLike[str]) -> str | None:
    """Return the supported image extension that ``path`` ends with, or None."""
    name = Path(path).name.lower()
    for extension in IMAGE_EXTENSIONS:
        if name.endswith(extension):
            return extension
    return None


def strip_extension(path: str | os.PathLike[str]) -> str:
    """Return the file name of ``path`` without its image extension.

    Raises:
        InvalidInputError: If the file does not end with a supported extension.
    """
    extension = image_extension(path)
    if extension is None:
        raise InvalidInputError(
            f"{path}: not a supported image file; expected one of {', '.join(IMAGE_EXTENSIONS)}"
        )
    name = Path(path).name
    return name[: len(name) - len(extension)]


def case_id_from_image_file(path: str | os.PathLike[str]) -> str:
    """Return the case identifier of an nnU-Net style image file (``CASE_0000.nii.gz`` -> ``CASE``)."""
    stem = strip_extension(path)
    return stem[: -len(CHANNEL_SUFFIX)] if stem.endswith(CHANNEL_SUFFIX) else stem


def image_file_name(case_id: str, file_ending: str = ".nii.gz") -> str:
    """Return the image file name of a case in the raw dataset layout."""
    return f"{case_id}{CHANNEL_SUFFIX}{file_ending}"


def label_file_name(case_id: str, file_ending: str = ".nii.gz") -> str:
    """Return the label file name of a case in the raw dataset layout."""
    return f"{case_id}{file_ending}"


def unreadable_reason(path: str | os.PathLike[str]) -> str | None:
    """Say why a file that SimpleITK cannot read is no image, when its first bytes tell.

    Only meant for a file that failed to read: NRRD and MetaImage headers are text too.

    Args:
        path: The file.

    Returns:
        ``"the file is empty (0 bytes)"``, or ``"not an image SimpleITK can read (it
        starts with text 'version https://git-lfs...')"`` for a text file (a Git LFS
        pointer, an HTML error page, a report), or None when the start says nothing
        (or the file cannot be opened).
    """
    try:
        with open(path, "rb") as handle:
            start = handle.read(TEXT_PREVIEW_BYTES + 1)
    except OSError:
        return None
    if not start:
        return "the file is empty (0 bytes)"
    if not set(start) <= _TEXT_BYTES:
        return None
    preview = start[:TEXT_PREVIEW_BYTES].decode("ascii")
    ellipsis = "..." if len(start) > TEXT_PREVIEW_BYTES else ""
    return f"not an image SimpleITK can read (it starts with text {preview + ellipsis!r})"


def read_image(path: str | os.PathLike[str]) -> sitk.Image:
    """Read an image file (NIfTI, NRRD, MHA) or a DICOM series folder.

    Args:
        path: A file with a supported extension, or a folder holding one DICOM series.

    Returns:
        The image with its spacing, origin and direction; a DICOM series with unevenly
        spaced slices also carries a :func:`reading_note`.

    Raises:
        InvalidInputError: If the path is missing, not a supported format, empty, a text
            file, truncated, or unreadable.
    """
    path = Path(path)
    if not path.exists():
        raise InvalidInputError(f"{path}: no such file or folder")
    if path.is_dir():
        from thigh_common.dicom import read_dicom_series

        return read_dicom_series(path)
    if image_extension(path) is None:
        raise InvalidInputError(
            f"{path}: not a supported image file; expected one of {', '.join(IMAGE_EXTENSIONS)} "
            "or a DICOM series folder"
        )
    if path.stat().st_size == 0:
        raise InvalidInputError(f"{path}: the file is empty (0 bytes); write or copy it again")
    reader = sitk.ImageFileReader()
    reader.SetFileName(str(path))
    try:
        reader.ReadImageInformation()
        truncation = nifti_truncation(path, reader)
        if truncation is not None:
            raise InvalidInputError(f"{path}: the file is truncated ({truncation}); write or copy it again")
        return reader.Execute()
    except RuntimeError as error:
        reason = unreadable_reason(path)
        if reason is not None:
            raise InvalidInputError(
                f"{path}: {reason}; give a NIfTI, NRRD or MetaImage file, or a DICOM series folder"
            ) from error
        first_line = str(error).strip().splitlines()[-1] if str(error).strip() else "unknown error"
        raise InvalidInputError(f"{path}: cannot be read as an image ({first_line})") from error


def reading_note(image: sitk.Image) -> str:
    """Return what reading ``image`` found worth noting in its results, or ``""``.

    :func:`read_image` attaches a note where the image was read but is doubtful,
    e.g. a DICOM series whose slices are not evenly spaced (missing slices);
    ``thigh_predict`` writes it into the case's muscle table.

    Args:
        image: An image from :func:`read_image`.
    """
    return image.GetMetaData(READING_NOTE_KEY) if image.HasMetaDataKey(READING_NOTE_KEY) else ""


def scan_identity(image: sitk.Image) -> dict[str, str]:
    """The patient and study date of a scan read from DICOM, for its muscle table.

    Args:
        image: An image from :func:`read_image` (a NIfTI or NRRD file carries neither).

    Returns:
        ``{"patient_id": ..., "study_date": ...}``: the PatientID as in the file and the
        StudyDate as ``YYYY-MM-DD`` (kept as written when it is not ``YYYYMMDD``); ``""``
        where unknown.
    """

    def value(tag: str) -> str:
        return image.GetMetaData(tag).strip() if image.HasMetaDataKey(tag) else ""

    date = value(STUDY_DATE_TAG)
    if len(date) == 8 and date.isdigit():
        date = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    return {"patient_id": value(PATIENT_ID_TAG), "study_date": date}


def write_image(image: sitk.Image, path: str | os.PathLike[str], compress: bool = True) -> None:
    """Write ``image`` to ``path`` atomically; the format follows the extension.

    Args:
        image: The image to write.
        path: Target file; its folder is created when missing.
        compress: Whether to compress (for formats that support it).
    """
    with atomic_path(path) as temporary:
        sitk.WriteImage(image, str(temporary), useCompression=compress)
