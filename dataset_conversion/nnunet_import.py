"""Import an nnU-Net v2 raw dataset into a thighseg raw dataset, mapping its labels.

The source is read from its ``dataset.json`` (``labels`` name -> value,
``channel_names``, ``file_ending``); ``imagesTr/CASE_0000{ending}`` with
``labelsTr/CASE{ending}``, and the optional ``imagesTs``, are re-written as
``.nii.gz`` with identical geometry, labels mapped to our table (uint8).

Writing is staged: every case goes to a temporary folder beside OUT first,
and only when all cases converted without a problem are ``imagesTr``,
``labelsTr``, ``imagesTs`` and ``dataset.json`` moved into OUT. Problems are
collected over all cases and raised together, leaving OUT untouched.

This module also holds the case writer that :mod:`dataset_conversion.pairs_import` uses.

Example:
    >>> from dataset_conversion.nnunet_import import import_nnunet_dataset
    >>> import_nnunet_dataset("nnUNet_raw/Dataset017_Thigh", "raw/Dataset017_Thigh",
    ...                       rules={"adductor_magnus": 6, "adductor_longus": 6})  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import SimpleITK as sitk
from tqdm import tqdm

from dataset_conversion.label_mapping import (
    apply_mapping,
    label_values,
    mapping_description,
    normalise_name,
    resolve_named_mapping,
)
from thigh_common.dataset_json import DATASET_JSON, make_dataset_json, write_dataset_json
from thigh_common.dicom import cast_integral_to_int16
from thigh_common.errors import InvalidInputError
from thigh_common.geometry import geometry_differences
from thigh_common.image_io import image_extension, image_file_name, label_file_name, read_image, write_image

LOGGER = logging.getLogger("thighseg.convert")

OUTPUT_ENDING = ".nii.gz"
SUBFOLDERS: tuple[str, ...] = ("imagesTr", "labelsTr", "imagesTs")
CT_CHANNEL_NAMES = {"ct", "ct_hu", "hu", "cect", "ncct", "ce_ct", "nc_ct", "noncontrast_ct", "contrast_ct"}
NOT_CT_CHANNEL_WORDS = {
    "mr",
    "mri",
    "t1",
    "t1w",
    "t2",
    "t2w",
    "flair",
    "pd",
    "dwi",
    "adc",
    "pet",
    "spect",
    "us",
    "ultrasound",
    "xray",
    "x_ray",
    "cbct",
    "dixon",
    "fat",
    "water",
    "opp",
    "inp",
    "t1c",
    "t1ce",
    "t1gd",
    "stir",
}

# A resolver gets a case's label values and returns source value -> our value, or raises InvalidInputError.
MappingResolver = Callable[[list[int]], dict[int, int]]


@dataclass(frozen=True)
class ImportCase:
    """One case to write into the output dataset.

    Attributes:
        case_id: Case identifier in the output (``CASE`` of ``CASE_0000.nii.gz``).
        image: The source image file.
        label: The source label file; None for a test image (``imagesTs``).
    """

    case_id: str
    image: Path
    label: Path | None = None


def check_output_folder(output: Path, overwrite: bool, sources: Sequence[Path] = ()) -> None:
    """Refuse a non-empty ``output`` unless ``overwrite``, and an output that is (inside) a source.

    Raises:
        InvalidInputError: If the output may not be written.
    """
    output = Path(output)
    if output.exists() and not output.is_dir():
        raise InvalidInputError(f"{output}: exists and is not a folder; give an output folder")
    for source in sources:
        resolved_output, resolved_source = output.resolve(), Path(source).resolve()
        if resolved_output == resolved_source or resolved_source in resolved_output.parents:
            raise InvalidInputError(
                f"{output}: the output may not be the source folder or inside it ({source})"
            )
    if output.is_dir() and any(output.iterdir()) and not overwrite:
        raise InvalidInputError(
            f"{output}: exists and is not empty; choose a new output folder, or pass --overwrite to replace "
            f"its {', '.join(SUBFOLDERS)} and {DATASET_JSON}"
        )


def _read_scalar_3d(path: Path) -> sitk.Image:
    """Read a 3D scalar image; InvalidInputError when unreadable or of another shape."""
    image = read_image(path)
    if image.GetDimension() != 3 or image.GetNumberOfComponentsPerPixel() != 1:
        raise InvalidInputError(
            f"{path.name}: expected a 3D single-channel image, found {image.GetDimension()}D with "
            f"{image.GetNumberOfComponentsPerPixel()} component(s) per voxel"
        )
    return image


def convert_case(
    case: ImportCase, stage: Path, resolve: MappingResolver, file_ending: str = OUTPUT_ENDING
) -> list[str]:
    """Write one case into ``stage``; return its problems (nothing written for a case with problems).

    Args:
        case: The case and its source files.
        stage: Dataset-shaped folder that receives ``imagesTr``/``labelsTr`` (or ``imagesTs``) files.
        resolve: Gives the case's value mapping from its label values (raises InvalidInputError).
        file_ending: Extension of the written files.
    """
    try:
        image = _read_scalar_3d(case.image)
    except InvalidInputError as error:
        return [f"image {error}"]
    if case.label is None:
        write_image(
            cast_integral_to_int16(image), stage / "imagesTs" / image_file_name(case.case_id, file_ending)
        )
        return []
    try:
        label = _read_scalar_3d(case.label)
    except InvalidInputError as error:
        return [f"label {error}"]
    differences = geometry_differences(image, label)
    if differences:
        return [
            f"label {case.label.name} is not on the image grid of {case.image.name}: "
            + "; ".join(differences)
        ]
    try:
        mapped = apply_mapping(label, resolve(label_values(label)))
    except InvalidInputError as error:
        return [f"label {case.label.name}: {error}"]
    write_image(
        cast_integral_to_int16(image), stage / "imagesTr" / image_file_name(case.case_id, file_ending)
    )
    write_image(mapped, stage / "labelsTr" / label_file_name(case.case_id, file_ending))
    return []


def format_problems(problems: Mapping[str, list[str]], what: str) -> str:
    """Return the listing of all problems, one line per problem, grouped per case."""
    count = sum(len(lines) for lines in problems.values())
    listing = "\n".join(f"  {case}: {line}" for case, lines in problems.items() for line in lines)
    return f"{what}: {count} problem(s); nothing was written to the output:\n{listing}"


def write_raw_dataset(
    cases: Sequence[ImportCase],
    output: Path,
    resolve: MappingResolver,
    dataset_json_extra: Mapping[str, Any],
    overwrite: bool = False,
    problems: Mapping[str, list[str]] | None = None,
    what: str = "import",
) -> dict[str, Any]:
    """Convert ``cases`` into the raw dataset ``output`` (staged; all or nothing).

    Args:
        cases: Training cases (with a label) and test images (without).
        output: The output dataset folder.
        resolve: Gives each case's value mapping from its label values (raises InvalidInputError).
        dataset_json_extra: Further ``dataset.json`` entries (name, description, source, ...).
        overwrite: Whether a non-empty ``output`` may be replaced.
        problems: Problems found before conversion (e.g. unmatched files), listed with the others.
        what: What is imported, for the problem listing.

    Returns:
        The written ``dataset.json`` content.

    Raises:
        InvalidInputError: Listing every problem when any case failed; ``output`` is then untouched.
    """
    output = Path(output)
    check_output_folder(output, overwrite)
    all_problems: dict[str, list[str]] = {case: list(lines) for case, lines in (problems or {}).items()}
    output.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{output.name}.partial-", dir=output.parent))
    try:
        for case in tqdm(cases, desc="cases", unit="case", disable=len(cases) < 2):
            case_problems = convert_case(case, stage, resolve)
            if case_problems:
                all_problems.setdefault(case.case_id, []).extend(case_problems)
        if all_problems:
            raise InvalidInputError(format_problems(all_problems, what))
        num_training = sum(case.label is not None for case in cases)
        if num_training == 0:
            raise InvalidInputError(f"{what}: no training case (image with label) found; nothing was written")
        content = make_dataset_json(num_training, OUTPUT_ENDING, **dataset_json_extra)
        output.mkdir(parents=True, exist_ok=True)
        for subfolder in SUBFOLDERS:
            if (output / subfolder).exists():
                shutil.rmtree(output / subfolder)
            if (stage / subfolder).exists():
                os.replace(stage / subfolder, output / subfolder)
        write_dataset_json(output, content)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    LOGGER.info(
        "%s: wrote %d training case(s) and %d test image(s)",
        output,
        content["numTraining"],
        sum(case.label is None for case in cases),
    )
    return content


def read_source_dataset_json(source: Path) -> dict[str, Any]:
    """Read and check the ``dataset.json`` of an nnU-Net v2 raw dataset.

    Raises:
        InvalidInputError: If missing, unparseable, without plain integer labels, or region-based.
    """
    path = source / DATASET_JSON
    if not path.is_file():
        raise InvalidInputError(f"{source}: no {DATASET_JSON}; expected an nnU-Net v2 raw dataset folder")
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInputError(f"{path}: not valid JSON ({error})") from error
    labels = content.get("labels") if isinstance(content, dict) else None
    if not isinstance(labels, dict) or not labels:
        raise InvalidInputError(f"{path}: expected a 'labels' object {{name: value}}, found {labels!r}")
    regions = {name: value for name, value in labels.items() if isinstance(value, (list, tuple))}
    if regions or "regions_class_order" in content:
        example = (
            next(iter(regions.items()))
            if regions
            else ("regions_class_order", content["regions_class_order"])
        )
        raise InvalidInputError(
            f"{path}: region-based labels (e.g. {example[0]!r}: {example[1]!r}) are not supported; thighseg "
            "needs one integer value per label. Convert the dataset to plain labels first."
        )
    bad = {
        name: value for name, value in labels.items() if isinstance(value, bool) or not isinstance(value, int)
    }
    if bad:
        raise InvalidInputError(f"{path}: label values must be integers; found {bad}")
    return content


def ct_channel(content: Mapping[str, Any], path: Path, channel: int = 0) -> str:
    """Return the name of channel ``channel``; error if clearly not CT, warn if not recognisably CT.

    Raises:
        InvalidInputError: If the channel is missing or its name says MRI, PET, ultrasound and the like.
    """
    channels = content.get("channel_names") or content.get("modality") or {}
    if not isinstance(channels, dict) or str(channel) not in {str(key) for key in channels}:
        raise InvalidInputError(f"{path}: no channel {channel} in channel_names {channels!r}")
    name = str({str(key): value for key, value in channels.items()}[str(channel)])
    words = set(normalise_name(name).split("_")) | {normalise_name(name)}
    if normalise_name(name) in CT_CHANNEL_NAMES or "ct" in words:
        pass
    elif words & NOT_CT_CHANNEL_WORDS:
        raise InvalidInputError(
            f"{path}: channel {channel} is {name!r}, not CT; thighseg segments CT in Hounsfield units. "
            "Pick the CT channel with --channel N if the dataset has one."
        )
    else:
        LOGGER.warning(
            "%s: channel %d is named %r, not 'CT'; importing it as CT (Hounsfield units)", path, channel, name
        )
    if len(channels) > 1:
        LOGGER.warning(
            "%s: %d channels; only channel %d (%s) is imported", path, len(channels), channel, name
        )
    return name


def _file_ending(content: Mapping[str, Any], source: Path) -> str:
    """Return the dataset's file ending; inferred from ``imagesTr`` (with a warning) when missing."""
    ending = content.get("file_ending")
    if isinstance(ending, str) and ending:
        return ending
    endings = {image_extension(path) for path in (source / "imagesTr").glob("*") if image_extension(path)}
    if len(endings) != 1:
        raise InvalidInputError(
            f"{source / DATASET_JSON}: no file_ending, and imagesTr holds {sorted(endings) or 'no image files'}; "
            'add e.g. "file_ending": ".nii.gz"'
        )
    (ending,) = endings
    LOGGER.warning("%s: dataset.json has no file_ending; using %s", source, ending)
    return ending


def _find_cases(source: Path, ending: str, channel: int) -> tuple[list[ImportCase], dict[str, list[str]]]:
    """Match ``imagesTr``/``labelsTr`` (and ``imagesTs``) files; return the cases and matching problems."""
    if not (source / "imagesTr").is_dir():
        raise InvalidInputError(f"{source}: no imagesTr folder; expected an nnU-Net v2 raw dataset")
    suffix = f"_{channel:04d}{ending}"
    problems: dict[str, list[str]] = {}
    cases = []
    images = {path.name[: -len(suffix)]: path for path in sorted((source / "imagesTr").glob(f"*{suffix}"))}
    labels_folder = source / "labelsTr"
    labels = {path.name[: -len(ending)]: path for path in sorted(labels_folder.glob(f"*{ending}"))}
    for case_id, image in images.items():
        if case_id in labels:
            cases.append(ImportCase(case_id, image, labels[case_id]))
        else:
            problems.setdefault(case_id, []).append(
                f"no label file labelsTr/{label_file_name(case_id, ending)} for imagesTr/{image.name}"
            )
    for case_id, label in labels.items():
        if case_id not in images:
            problems.setdefault(case_id, []).append(
                f"label labelsTr/{label.name} has no image imagesTr/{case_id}{suffix}"
            )
    for image in sorted((source / "imagesTs").glob(f"*{suffix}")):
        cases.append(ImportCase(image.name[: -len(suffix)], image))
    if not images and not problems:
        found = sorted(path.name for path in (source / "imagesTr").iterdir())[:5]
        raise InvalidInputError(
            f"{source / 'imagesTr'}: no image files CASE{suffix}; found {found or 'nothing'}"
        )
    return cases, problems


def import_nnunet_dataset(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    rules: Mapping[str, int] | None = None,
    unmapped: str = "error",
    overwrite: bool = False,
    channel: int = 0,
    name: str | None = None,
) -> dict[str, Any]:
    """Import the nnU-Net v2 raw dataset ``source`` into the thighseg raw dataset ``output``.

    Args:
        source: The nnU-Net dataset folder (``dataset.json``, ``imagesTr``, ``labelsTr``, ``imagesTs``).
        output: The thighseg dataset folder to write.
        rules: Explicit label rules (see :mod:`dataset_conversion.label_mapping`).
        unmapped: ``"error"`` or ``"background"`` for source labels without a target.
        overwrite: Whether a non-empty ``output`` may be replaced.
        channel: The input channel that holds the CT.
        name: Dataset name in ``dataset.json``; default: the output folder name.

    Returns:
        The written ``dataset.json`` content.

    Raises:
        InvalidInputError: Listing every problem found; ``output`` is then untouched.
    """
    source, output = Path(source), Path(output)
    if not source.is_dir():
        raise InvalidInputError(f"{source}: no such folder; expected an nnU-Net v2 raw dataset folder")
    check_output_folder(output, overwrite, sources=[source])
    content = read_source_dataset_json(source)
    channel_name = ct_channel(content, source / DATASET_JSON, channel)
    ending = _file_ending(content, source)
    source_labels = {str(label): int(value) for label, value in content["labels"].items()}
    mapping = resolve_named_mapping(source_labels, rules, unmapped)
    LOGGER.info("label mapping (source value -> thighseg): %s", mapping_description(mapping))
    cases, problems = _find_cases(source, ending, channel)
    num_training = content.get("numTraining")
    found_training = sum(case.label is not None for case in cases)
    if isinstance(num_training, int) and num_training != found_training and not problems:
        LOGGER.warning("%s: dataset.json says numTraining %s, found %d", source, num_training, found_training)
    listing = ", ".join(f"{label}={value}" for label, value in source_labels.items())

    def resolve(values: list[int]) -> dict[int, int]:
        unknown = [value for value in values if value not in mapping]
        if unknown:
            raise InvalidInputError(
                f"label values {unknown} are not in the source dataset.json labels ({listing})"
            )
        return mapping

    extra = {
        "name": name or output.name,
        "description": f"imported from the nnU-Net dataset {source.name} (channel {channel}: {channel_name})",
        "source": str(source.resolve()),
        "label_mapping": {label: mapping[value] for label, value in source_labels.items()},
    }
    return write_raw_dataset(cases, output, resolve, extra, overwrite, problems, what=f"import of {source}")
