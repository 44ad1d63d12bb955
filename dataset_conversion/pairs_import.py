"""Import a folder of images and a folder of labels, matched by case name, into a raw dataset.

A file's case name is its name without the image extension (any of
``IMAGE_EXTENSIONS``: NIfTI, NRRD, MHA) and without its suffix: for images
``--image-suffix`` (default: an optional ``_0000``), for labels
``--label-suffix`` (default: none). ``patient7_ct.nrrd`` and
``patient7_seg.nii.gz`` pair up with ``image_suffix="_ct"``, ``label_suffix="_seg"``.

Label files carry numbers only. Without rules they must already use our
numbers (0-10); with rules every non-zero value present needs a rule (see
:func:`dataset_conversion.label_mapping.resolve_numeric_mapping`).

Example:
    >>> from dataset_conversion.pairs_import import import_pairs
    >>> import_pairs("scans", "masks", "raw/Dataset020_Pairs", image_suffix="_ct",
    ...              label_suffix="_seg", rules={"12": 6})  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dataset_conversion.label_mapping import mapping_description, resolve_numeric_mapping
from dataset_conversion.nnunet_import import ImportCase, check_output_folder, write_raw_dataset
from thigh_common.errors import InvalidInputError
from thigh_common.image_io import CHANNEL_SUFFIX, IMAGE_EXTENSIONS, image_extension, strip_extension

LOGGER = logging.getLogger("thighseg.convert")


def case_name(path: Path, suffix: str | None) -> str | None:
    """Return the case name of ``path``: its stem without ``suffix``; None if it lacks the suffix.

    Args:
        path: An image or label file with a supported extension.
        suffix: The suffix to strip; None strips an optional ``_0000``.
    """
    stem = strip_extension(path)
    if suffix is None:
        return stem[: -len(CHANNEL_SUFFIX)] if stem.endswith(CHANNEL_SUFFIX) else stem
    if not suffix:
        return stem
    if not stem.endswith(suffix) or stem == suffix:
        return None
    return stem[: -len(suffix)]


def index_folder(folder: Path, suffix: str | None, kind: str) -> tuple[dict[str, Path], dict[str, list[str]]]:
    """Map case name -> file for the image files of ``folder``; return it and the naming problems.

    Raises:
        InvalidInputError: If ``folder`` is not a folder or holds no image files.
    """
    if not folder.is_dir():
        raise InvalidInputError(f"{folder}: no such folder; expected a folder of {kind} files")
    files = sorted(path for path in folder.iterdir() if path.is_file() and image_extension(path))
    if not files:
        raise InvalidInputError(
            f"{folder}: no {kind} files; expected files ending with one of {', '.join(IMAGE_EXTENSIONS)}"
        )
    by_case: dict[str, Path] = {}
    problems: dict[str, list[str]] = {}
    for path in files:
        name = case_name(path, suffix)
        if name is None:
            problems.setdefault(path.name, []).append(
                f"{kind} file name does not end with the suffix {suffix!r}"
            )
        elif name in by_case:
            problems.setdefault(name, []).append(
                f"two {kind} files for one case: {by_case[name].name}, {path.name}"
            )
        else:
            by_case[name] = path
    return by_case, problems


def match_pairs(
    images_folder: Path, labels_folder: Path, image_suffix: str | None = None, label_suffix: str = ""
) -> tuple[list[ImportCase], dict[str, list[str]]]:
    """Pair image and label files by case name; unmatched files are problems.

    Returns:
        The matched cases, and the problems (unmatched or misnamed files) per case.
    """
    images, problems = index_folder(images_folder, image_suffix, "image")
    labels, label_problems = index_folder(labels_folder, label_suffix, "label")
    for case, lines in label_problems.items():
        problems.setdefault(case, []).extend(lines)
    cases = []
    for name, image in images.items():
        if name in labels:
            cases.append(ImportCase(name, image, labels[name]))
        else:
            problems.setdefault(name, []).append(
                f"image {image.name} has no label file in {labels_folder} (case name {name!r}, "
                f"label suffix {label_suffix!r})"
            )
    for name, label in labels.items():
        if name not in images:
            problems.setdefault(name, []).append(
                f"label {label.name} has no image file in {images_folder} (case name {name!r})"
            )
    return cases, problems


def import_pairs(
    images_folder: str | os.PathLike[str],
    labels_folder: str | os.PathLike[str],
    output: str | os.PathLike[str],
    image_suffix: str | None = None,
    label_suffix: str = "",
    rules: Mapping[str, int] | None = None,
    unmapped: str = "error",
    overwrite: bool = False,
    name: str | None = None,
) -> dict[str, Any]:
    """Import image/label pairs into the thighseg raw dataset ``output``.

    Args:
        images_folder: Folder of CT images.
        labels_folder: Folder of label files on the images' grids.
        output: The thighseg dataset folder to write.
        image_suffix: Suffix of image names before the extension; None: an optional ``_0000``.
        label_suffix: Suffix of label names before the extension.
        rules: Explicit numeric label rules (``{"12": 6}``).
        unmapped: ``"error"`` or ``"background"`` for values without a rule.
        overwrite: Whether a non-empty ``output`` may be replaced.
        name: Dataset name in ``dataset.json``; default: the output folder name.

    Returns:
        The written ``dataset.json`` content.

    Raises:
        InvalidInputError: Listing every problem found; ``output`` is then untouched.
    """
    images_folder, labels_folder, output = Path(images_folder), Path(labels_folder), Path(output)
    check_output_folder(output, overwrite, sources=[images_folder, labels_folder])
    resolve_numeric_mapping([], rules, unmapped)  # rejects name rules before any file is read
    cases, problems = match_pairs(images_folder, labels_folder, image_suffix, label_suffix)
    used: dict[int, int] = {}

    def resolve(values: list[int]) -> dict[int, int]:
        mapping = resolve_numeric_mapping(values, rules, unmapped)
        used.update(mapping)
        return mapping

    extra = {
        "name": name or output.name,
        "description": f"imported from image/label pairs in {images_folder.name} and {labels_folder.name}",
        "source": str(images_folder.resolve()),
        "label_mapping": {str(source): target for source, target in sorted((rules or {}).items())},
    }
    content = write_raw_dataset(
        cases, output, resolve, extra, overwrite, problems, what=f"import of pairs from {images_folder}"
    )
    LOGGER.info("label values mapped (source -> thighseg): %s", mapping_description(used))
    return content
