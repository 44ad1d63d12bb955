"""Convert DICOM series to NIfTI: one series folder, or a folder tree of series folders.

Each series becomes ``OUT/NAME.nii.gz`` with the series' geometry (spacing
including the slice spacing, origin, direction) and HU values, written
atomically. NAME is the series folder's path below the input folder with
``/`` turned into ``_`` (``patient01/ct`` -> ``patient01_ct``), or the
input folder's name for a single series, or ``name`` when given. A folder
that fails does not stop the others; all failures are raised together at the end.

Example:
    >>> from dataset_conversion.dicom_conversion import convert_dicom
    >>> convert_dicom("dicom_export", "nifti")  # doctest: +SKIP
    [PosixPath('nifti/patient01_ct.nii.gz'), PosixPath('nifti/patient02_ct.nii.gz')]
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from tqdm import tqdm

from thigh_common.dicom import find_series_folders, list_dicom_series, read_dicom_series
from thigh_common.errors import InvalidInputError
from thigh_common.image_io import write_image

LOGGER = logging.getLogger("thighseg.convert")

NIFTI_ENDING = ".nii.gz"


def convert_series(folder: Path, target: Path, series_uid: str | None = None) -> Path:
    """Read the DICOM series in ``folder`` and write it to ``target`` atomically.

    Raises:
        InvalidInputError: If the series cannot be chosen or read.
    """
    image = read_dicom_series(folder, series_uid)
    write_image(image, target)
    LOGGER.info(
        "%s -> %s: size %s, spacing %s mm",
        folder,
        target,
        image.GetSize(),
        tuple(round(value, 4) for value in image.GetSpacing()),
    )
    return target


def output_name(folder: Path, root: Path) -> str:
    """Return the output name of series folder ``folder`` found under ``root``."""
    relative = folder.relative_to(root)
    return "_".join(relative.parts) if relative.parts else root.resolve().name


def _check_targets(output: Path, targets: list[Path], as_file: bool, overwrite: bool) -> None:
    """Refuse a non-empty output folder (or an existing output file) unless ``overwrite``; refuse name clashes."""
    duplicates = sorted({target.name for target in targets if targets.count(target) > 1})
    if duplicates:
        raise InvalidInputError(f"several series would be written to the same file: {', '.join(duplicates)}")
    if overwrite:
        return
    if as_file and output.exists():
        raise InvalidInputError(f"{output}: exists; choose another output file or pass --overwrite")
    if not as_file and output.is_dir() and any(output.iterdir()):
        raise InvalidInputError(
            f"{output}: exists and is not empty; choose a new output folder, or pass --overwrite to replace "
            "files of the same names"
        )


def convert_dicom(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    series_uid: str | None = None,
    name: str | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Convert the DICOM series folder, or every series folder under ``source``, to NIfTI.

    Args:
        source: A folder holding one DICOM series, or a folder tree of series folders.
        output: Output folder; or, for a single series, a file path ending with ``.nii.gz`` or ``.nii``.
        series_uid: Series instance UID to read when a folder holds several CT series (single folder only).
        name: Output file name (without extension) for a single series.
        overwrite: Whether existing output files may be replaced.

    Returns:
        The files written.

    Raises:
        InvalidInputError: If nothing can be converted, or listing every folder that failed
            (after the others were converted).
    """
    source, output = Path(source), Path(output)
    if not source.is_dir():
        raise InvalidInputError(
            f"{source}: no such folder; expected a DICOM series folder or a folder of them"
        )
    single = bool(list_dicom_series(source))
    folders = [source] if single else find_series_folders(source)
    if not folders:
        raise InvalidInputError(
            f"{source}: no DICOM series found in it or in any folder below it; expected DICOM files (.dcm or "
            "without extension) that GDCM can read"
        )
    as_file = output.name.lower().endswith((".nii.gz", ".nii"))
    if len(folders) > 1 and (series_uid is not None or name is not None or as_file):
        raise InvalidInputError(
            f"{source}: holds {len(folders)} series folders; --series-uid, --name and an output file name "
            "apply to a single series folder only; give an output folder"
        )
    if as_file:
        targets = [output]
    else:
        if output.exists() and not output.is_dir():
            raise InvalidInputError(f"{output}: exists and is not a folder; give an output folder")
        targets = [output / f"{name or output_name(folder, source)}{NIFTI_ENDING}" for folder in folders]
    _check_targets(output, targets, as_file, overwrite)
    if single:
        return [convert_series(source, targets[0], series_uid)]
    written, failures = [], []
    for folder, target in tqdm(
        list(zip(folders, targets, strict=True)), desc="series", unit="series", disable=len(folders) < 2
    ):
        try:
            written.append(convert_series(folder, target, series_uid))
        except InvalidInputError as error:
            LOGGER.debug("%s failed: %s", folder, error)
            failures.append(str(error))
    if failures:
        listing = "\n".join(f"  {failure}" for failure in failures)
        raise InvalidInputError(
            f"{len(failures)} of {len(folders)} DICOM series folder(s) failed ({len(written)} converted):\n{listing}"
        )
    return written
