"""Which DICOM series of a folder is the thigh CT: the rule shared by ``thigh_predict`` and ``thigh_convert``.

Hospitals export a localizer (topogram, scout) beside the CT series, and a
study may hold several reconstructions. :func:`choose_series` decides:

1. ``series_uid`` given: that series, whatever it is.
2. Only series with Modality (0008|0060) CT are candidates (a folder with a
   single series without a Modality tag is read as CT, with a warning).
3. With several CT series, those that are not a volume are skipped: ImageType
   (0008|0008) containing ``LOCALIZER`` or ``PROJECTION IMAGE``, a single
   slice, slices that are not parallel (orientations differ by more than
   :data:`PARALLEL_TOLERANCE_DEGREES`), all slices at one position along
   their normal, or slice positions that cannot be read.
4. If any volume is axial (slice normal closest to the head-foot axis), the
   non-axial ones (coronal or sagittal reformats) are skipped.
5. The volume with the longest coverage (distance from its first to its last
   slice along the slice normal) is taken, unless another one covers at least
   :data:`AMBIGUOUS_COVERAGE_RATIO` of it: then the choice is ambiguous (for
   example a soft-tissue and a bone-kernel reconstruction of the same range,
   or 1 mm and 5 mm slices of it) and the user is asked for ``--series-uid``.

The choice, with what was skipped and why, is logged: INFO when only
localizers and other modalities were skipped, WARNING when another CT volume
was (a shorter or a non-axial one).

Example:
    >>> from thigh_common.dicom import list_dicom_series
    >>> chosen = choose_series(list_dicom_series(folder), folder)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thigh_common.dicom_headers import (
    IMAGE_ORIENTATION_TAG,
    IMAGE_POSITION_TAG,
    SeriesInfo,
    header_numbers,
    read_header,
)
from thigh_common.errors import InvalidInputError

LOGGER = logging.getLogger("thighseg.dicom")

CT_MODALITY = "CT"
NOT_VOLUME_IMAGE_TYPES = ("LOCALIZER", "PROJECTION IMAGE")
PARALLEL_TOLERANCE_DEGREES = 1.0
AMBIGUOUS_COVERAGE_RATIO = 0.9
"""Two volumes whose coverages are within this ratio are equally plausible."""
PLANES = ("sagittal", "coronal", "axial")
"""Slice plane by the largest component (x, y, z in patient LPS) of the slice normal."""


@dataclass(frozen=True)
class SeriesGeometry:
    """Where the slices of a series lie.

    Attributes:
        normal: Unit normal of the first slice (patient LPS).
        positions_mm: Each slice's position along ``normal``, in file (slice) order.
        parallel: Whether every slice's normal is within :data:`PARALLEL_TOLERANCE_DEGREES` of the first.
    """

    normal: tuple[float, float, float]
    positions_mm: tuple[float, ...]
    parallel: bool

    @property
    def plane(self) -> str:
        """``"axial"``, ``"coronal"`` or ``"sagittal"``: the patient axis closest to the slice normal."""
        return PLANES[int(np.argmax(np.abs(self.normal)))]

    @property
    def coverage_mm(self) -> float:
        """Distance from the first to the last slice along the normal."""
        return float(max(self.positions_mm) - min(self.positions_mm))


def series_geometry(series: SeriesInfo) -> SeriesGeometry | None:
    """Read the slice positions and orientations of ``series`` from its file headers.

    Args:
        series: A series, files in slice order.

    Returns:
        Its geometry; None when a header, position (0020|0032) or orientation (0020|0037)
        cannot be read.
    """
    normals, points = [], []
    for file_name in series.files:
        header = read_header(file_name)
        if header is None:
            return None
        position = header_numbers(header, IMAGE_POSITION_TAG)
        orientation = header_numbers(header, IMAGE_ORIENTATION_TAG)
        if position is None or orientation is None or len(position) != 3 or len(orientation) != 6:
            return None
        normal = np.cross(orientation[:3], orientation[3:])
        length = np.linalg.norm(normal)
        if length == 0:
            return None
        normals.append(normal / length)
        points.append(position)
    first = normals[0]
    cosines = np.abs(np.asarray(normals) @ first)
    parallel = bool(np.all(cosines >= np.cos(np.deg2rad(PARALLEL_TOLERANCE_DEGREES))))
    positions = tuple(float(value) for value in np.asarray(points) @ first)
    return SeriesGeometry((float(first[0]), float(first[1]), float(first[2])), positions, parallel)


def not_a_volume_reason(series: SeriesInfo, geometry: SeriesGeometry | None) -> str | None:
    """Say why ``series`` is not a CT volume (a localizer, one slice ...); None when it is one.

    Args:
        series: The series.
        geometry: Its geometry from :func:`series_geometry`.
    """
    marked = [value for value in NOT_VOLUME_IMAGE_TYPES if value in series.image_type]
    if marked:
        image_type = "\\".join(series.image_type)
        return f"a localizer (ImageType {image_type})"
    if series.num_files < 2:
        return "a single slice (localizer?)"
    if geometry is None:
        return "slice positions or orientations (0020|0032, 0020|0037) cannot be read"
    if not geometry.parallel:
        return "slices are not parallel (a localizer of several planes?)"
    if geometry.coverage_mm == 0:
        return "all slices lie at one position (a projection?)"
    return None


def _candidate_line(series: SeriesInfo, geometry: SeriesGeometry | None) -> str:
    """One line for a listing: UID, description, slice count, thickness, coverage and plane."""
    thickness = (
        f"{series.slice_thickness:g} mm thick" if series.slice_thickness is not None else "thickness unknown"
    )
    coverage = f", {geometry.coverage_mm:.1f} mm {geometry.plane} coverage" if geometry is not None else ""
    description = series.description or "no description"
    slices = f"{series.num_files} slice{'s' if series.num_files != 1 else ''}"
    return f"  {series.uid or '(no series UID)'} '{description}': {slices}, {thickness}{coverage}"


def _no_series_error(folder: Path) -> InvalidInputError:
    """The error for a folder without any readable DICOM series."""
    subfolders = [path.name for path in sorted(folder.iterdir()) if path.is_dir()] if folder.is_dir() else []
    hint = (
        f" It has subfolders ({', '.join(subfolders[:5])}{', ...' if len(subfolders) > 5 else ''}); "
        "give one series folder, or convert them all with `thigh_convert dicom`."
        if subfolders
        else ""
    )
    return InvalidInputError(
        f"{folder}: no DICOM series found (no readable DICOM files in this folder).{hint}"
    )


def choose_series(series: list[SeriesInfo], folder: Path, series_uid: str | None = None) -> SeriesInfo:
    """Choose the series of ``folder`` to read: the one with ``series_uid``, else the thigh CT (module rule).

    Args:
        series: The series found in ``folder`` (:func:`thigh_common.dicom.list_dicom_series`).
        folder: The folder (for messages).
        series_uid: The series instance UID to read, or None to choose by the rule.

    Returns:
        The chosen series.

    Raises:
        InvalidInputError: If there is no series, the UID is not there, there is no CT
            series or no CT volume, or several CT volumes are equally plausible.
    """
    if not series:
        raise _no_series_error(folder)
    listing = "\n".join(f"  {info.describe()}" for info in series)
    if series_uid is not None:
        for info in series:
            if info.uid == series_uid:
                return info
        raise InvalidInputError(
            f"{folder}: no series with UID {series_uid!r}; the folder holds:\n{listing}\n"
            "Pass one of these UIDs with --series-uid."
        )
    ct_series = [info for info in series if info.modality == CT_MODALITY]
    if not ct_series:
        if len(series) == 1 and not series[0].modality:
            LOGGER.warning("%s: the series has no Modality tag; reading it as CT", folder)
            return series[0]
        raise InvalidInputError(
            f"{folder}: no CT series found (Modality tag 0008|0060 is not CT); the folder holds:\n{listing}\n"
            "thighseg needs CT in Hounsfield units; pass --series-uid UID to read another series anyway."
        )
    skipped = [
        (info, None, f"modality {info.modality or 'missing'}") for info in series if info not in ct_series
    ]
    if len(ct_series) == 1:
        _log_choice(folder, ct_series[0], None, skipped, warn=False)
        return ct_series[0]
    return _choose_ct_volume(ct_series, folder, skipped)


def _choose_ct_volume(
    ct_series: list[SeriesInfo],
    folder: Path,
    skipped: list[tuple[SeriesInfo, SeriesGeometry | None, str]],
) -> SeriesInfo:
    """Steps 3-5 of the module rule, for two or more CT series."""
    volumes: list[tuple[SeriesInfo, SeriesGeometry]] = []
    for info in ct_series:
        geometry = series_geometry(info)
        reason = not_a_volume_reason(info, geometry)
        if reason is None and geometry is not None:
            volumes.append((info, geometry))
        else:
            skipped.append((info, None, reason or "no slice geometry"))
    if not volumes:
        listing = "\n".join(
            f"{_candidate_line(info, geometry)}: {reason}" for info, geometry, reason in skipped
        )
        raise InvalidInputError(
            f"{folder}: none of the {len(ct_series)} CT series is a CT volume:\n{listing}\n"
            "thighseg needs an axial CT series of the thighs; pass --series-uid UID to read one anyway."
        )
    all_volumes = volumes
    axial = [(info, geometry) for info, geometry in volumes if geometry.plane == "axial"]
    if axial and len(axial) < len(volumes):
        skipped += [
            (info, geometry, f"{geometry.plane} slices, and an axial series is there")
            for info, geometry in volumes
            if geometry.plane != "axial"
        ]
        volumes = axial
    volumes.sort(key=lambda pair: pair[1].coverage_mm, reverse=True)
    best, best_geometry = volumes[0]
    plausible = [
        (info, geometry)
        for info, geometry in volumes
        if geometry.coverage_mm >= AMBIGUOUS_COVERAGE_RATIO * best_geometry.coverage_mm
    ]
    if len(plausible) > 1:
        listing = "\n".join(_candidate_line(info, geometry) for info, geometry in plausible)
        raise InvalidInputError(
            f"{folder}: {len(plausible)} CT series could be the thigh scan (CT volumes whose "
            f"coverage differs by less than {100 * (1 - AMBIGUOUS_COVERAGE_RATIO):.0f} %); pass the series UID "
            f"of the one to read with --series-uid UID:\n{listing}"
        )
    skipped += [
        (info, geometry, f"shorter: {geometry.coverage_mm:.1f} mm against {best_geometry.coverage_mm:.1f} mm")
        for info, geometry in volumes[1:]
    ]
    _log_choice(folder, best, best_geometry, skipped, warn=len(all_volumes) > 1)
    return best


def _log_choice(
    folder: Path,
    chosen: SeriesInfo,
    geometry: SeriesGeometry | None,
    skipped: list[tuple[SeriesInfo, SeriesGeometry | None, str]],
    warn: bool,
) -> None:
    """Log which series was taken among several, and why each other one was skipped."""
    if not skipped:
        return
    listing = "\n".join(f"{_candidate_line(info, other)}: {reason}" for info, other, reason in skipped)
    LOGGER.log(
        logging.WARNING if warn else logging.INFO,
        "%s: reading series%s\nof %d series; skipped:\n%s\n(pass --series-uid UID to read another one)",
        folder,
        _candidate_line(chosen, geometry)[1:],
        len(skipped) + 1,
        listing,
    )
