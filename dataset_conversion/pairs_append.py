"""Add image/label pairs to an existing raw dataset, all or nothing.

This is how a dataset grows in the annotation loop: predict new scans with
``thigh_predict``, correct the label maps in 3D Slicer or ITK-SNAP, and append
the corrected pairs. Pairs are matched by case name exactly as
:mod:`dataset_conversion.pairs_import` does, and their label values are mapped
the same way (labels written by ``thigh_predict`` already carry our numbers;
colour-table files beside them are ignored).

Every pair is converted into a staging folder and checked there with the
checks of ``thigh_validate`` (readable, 3D, label on the image grid, label
values, intensities) before anything in the dataset changes. A case name that
is already in the dataset is refused, never overwritten. Only when every pair
passes are the files moved in and ``dataset.json`` rewritten atomically with the
new ``numTraining``; an error while moving takes the moved files out again.

Example:
    >>> from dataset_conversion.pairs_append import append_pairs
    >>> append_pairs("new_scans", "edited_labels", "raw/Dataset020_Thigh")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from dataset_conversion.label_mapping import resolve_numeric_mapping
from dataset_conversion.nnunet_import import ImportCase, convert_case, format_problems
from dataset_conversion.pairs_import import match_pairs
from dataset_conversion.validation.case_checks import check_case
from dataset_conversion.validation.layout_checks import IMAGES_TR, LABELS_TR, CaseFiles
from thigh_common.dataset_json import DATASET_JSON, read_dataset_json, write_dataset_json
from thigh_common.errors import InvalidInputError
from thigh_common.image_io import CHANNEL_SUFFIX, image_extension, image_file_name, label_file_name

LOGGER = logging.getLogger("thighseg.convert")


def _dataset_content(dataset: Path) -> dict[str, Any]:
    """Read the dataset's ``dataset.json``; refuse a folder that is not a raw dataset."""
    if not (dataset / DATASET_JSON).is_file():
        raise InvalidInputError(
            f"{dataset}: no {DATASET_JSON}, so not a raw dataset to append to; "
            "import the pairs into a new dataset without --append"
        )
    try:
        content = read_dataset_json(dataset)
    except (OSError, ValueError) as error:
        raise InvalidInputError(f"{dataset / DATASET_JSON}: not readable JSON ({error})") from error
    if not isinstance(content, dict) or not isinstance(content.get("numTraining"), int):
        raise InvalidInputError(
            f"{dataset / DATASET_JSON}: expected an object with an integer numTraining; "
            "check the dataset with thigh_validate"
        )
    return content


def existing_case_names(dataset: Path) -> set[str]:
    """Case names already used in the dataset's ``imagesTr``, ``labelsTr`` and ``imagesTs``."""
    names: set[str] = set()
    for subfolder in (IMAGES_TR, LABELS_TR, "imagesTs"):
        folder = dataset / subfolder
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            extension = image_extension(path)
            if extension is None:
                continue
            stem = path.name[: -len(extension)]
            names.add(stem[: -len(CHANNEL_SUFFIX)] if stem.endswith(CHANNEL_SUFFIX) else stem)
    return names


def _clashes(cases: Sequence[ImportCase], existing: set[str], dataset: Path) -> dict[str, list[str]]:
    """A problem per new case whose name the dataset already uses."""
    return {
        case.case_id: [
            f"case name {case.case_id!r} is already in {dataset}; a case is never replaced by --append: "
            "rename the new image and label files (same new name for both)"
        ]
        for case in cases
        if case.case_id in existing
    }


def _checked_in_stage(cases: Sequence[ImportCase], stage: Path, file_ending: str) -> dict[str, list[str]]:
    """Run ``thigh_validate``'s case checks on the staged pairs; return the problems per case."""
    problems: dict[str, list[str]] = {}
    for case in cases:
        files = CaseFiles(
            case.case_id,
            IMAGES_TR,
            f"{IMAGES_TR}/{image_file_name(case.case_id, file_ending)}",
            f"{LABELS_TR}/{label_file_name(case.case_id, file_ending)}",
        )
        result = check_case(files, stage)
        if result.problems:
            problems[case.case_id] = [problem.line() for problem in result.problems]
    return problems


def _move_in(stage: Path, dataset: Path, cases: Sequence[ImportCase], file_ending: str) -> None:
    """Move the staged files into the dataset; on any error take the moved ones out again."""
    moved: list[Path] = []
    try:
        for case in cases:
            for subfolder, name in (
                (IMAGES_TR, image_file_name(case.case_id, file_ending)),
                (LABELS_TR, label_file_name(case.case_id, file_ending)),
            ):
                target = dataset / subfolder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists():  # appeared after the clash check (another process)
                    raise InvalidInputError(f"{target}: appeared while appending; nothing was added")
                os.replace(stage / subfolder / name, target)
                moved.append(target)
    except BaseException:
        for target in moved:
            target.unlink(missing_ok=True)
        raise


def append_pairs(
    images_folder: str | os.PathLike[str],
    labels_folder: str | os.PathLike[str],
    dataset: str | os.PathLike[str],
    image_suffix: str | None = None,
    label_suffix: str = "",
    rules: Mapping[str, int] | None = None,
    unmapped: str = "error",
) -> dict[str, Any]:
    """Append image/label pairs to the raw dataset ``dataset`` as new training cases.

    Args:
        images_folder: Folder of CT images.
        labels_folder: Folder of label files on the images' grids (e.g. edited predictions).
        dataset: The existing thighseg raw dataset.
        image_suffix: Suffix of image names before the extension; None: an optional ``_0000``.
        label_suffix: Suffix of label names before the extension.
        rules: Explicit numeric label rules (``{"12": 6}``).
        unmapped: ``"error"`` or ``"background"`` for label values without a rule.

    Returns:
        The rewritten ``dataset.json`` content.

    Raises:
        InvalidInputError: Listing every problem found (unmatched files, clashing names, pairs that
            fail the checks); the dataset is then exactly as it was.
    """
    images_folder, labels_folder, dataset = Path(images_folder), Path(labels_folder), Path(dataset)
    content = _dataset_content(dataset)
    file_ending = str(content.get("file_ending", ".nii.gz"))
    resolve_numeric_mapping([], rules, unmapped)  # rejects name rules before any file is read
    cases, problems = match_pairs(images_folder, labels_folder, image_suffix, label_suffix)
    for case, lines in _clashes(cases, existing_case_names(dataset), dataset).items():
        problems.setdefault(case, []).extend(lines)
    what = f"append of pairs from {images_folder} to {dataset}"
    if problems:
        raise InvalidInputError(format_problems(problems, what))
    stage = Path(tempfile.mkdtemp(prefix=f".{dataset.name}.append-", dir=dataset.parent))
    try:
        for case in tqdm(cases, desc="pairs", unit="pair", disable=len(cases) < 2):
            case_problems = convert_case(
                case, stage, lambda values: resolve_numeric_mapping(values, rules, unmapped), file_ending
            )
            if case_problems:
                problems.setdefault(case.case_id, []).extend(case_problems)
        if not problems:
            problems = _checked_in_stage(cases, stage, file_ending)
        if problems:
            raise InvalidInputError(format_problems(problems, what))
        _move_in(stage, dataset, cases, file_ending)
        updated = dict(content, numTraining=content["numTraining"] + len(cases))
        try:
            write_dataset_json(dataset, updated)
        except BaseException:
            for case in cases:
                (dataset / IMAGES_TR / image_file_name(case.case_id, file_ending)).unlink(missing_ok=True)
                (dataset / LABELS_TR / label_file_name(case.case_id, file_ending)).unlink(missing_ok=True)
            raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    LOGGER.info(
        "%s: appended %d case(s) (%s); numTraining %d -> %d",
        dataset,
        len(cases),
        ", ".join(case.case_id for case in cases),
        content["numTraining"],
        updated["numTraining"],
    )
    return updated
