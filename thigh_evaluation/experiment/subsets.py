"""Raw datasets made of some cases of another: linked files and their own ``dataset.json``."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from thigh_common.dataset_json import read_dataset_json, write_dataset_json
from thigh_common.errors import InvalidInputError
from thigh_common.image_io import image_file_name, label_file_name

logger = logging.getLogger(__name__)


def dataset_cases(raw: Path) -> list[str]:
    """Case ids of a raw dataset that have both an image and a label file.

    Raises:
        InvalidInputError: If the dataset has no ``dataset.json`` or no complete case.
    """
    if not (raw / "dataset.json").is_file():
        raise InvalidInputError(
            f"{raw} has no dataset.json; is it a raw thighseg dataset (see thigh_validate)?"
        )
    ending = read_dataset_json(raw).get("file_ending", ".nii.gz")
    cases = []
    for label in sorted((raw / "labelsTr").glob(f"*{ending}")):
        case = label.name[: -len(ending)]
        if (raw / "imagesTr" / image_file_name(case, ending)).is_file():
            cases.append(case)
    if not cases:
        raise InvalidInputError(
            f"{raw} has no case with both imagesTr/CASE_0000{ending} and labelsTr/CASE{ending}"
        )
    return cases


def link_subset(raw: Path, cases: Sequence[str], target: Path) -> Path:
    """Make ``target`` a raw dataset holding ``cases`` of ``raw`` (symbolic links; copies where links fail).

    An existing ``target`` is replaced.

    Returns:
        ``target``.
    """
    content = read_dataset_json(raw)
    ending = content.get("file_ending", ".nii.gz")
    if target.exists():
        shutil.rmtree(target)
    for folder, name in (("imagesTr", image_file_name), ("labelsTr", label_file_name)):
        (target / folder).mkdir(parents=True)
        for case in cases:
            source = (raw / folder / name(case, ending)).resolve()
            destination = target / folder / name(case, ending)
            try:
                os.symlink(source, destination)
            except OSError:
                shutil.copy2(source, destination)
    write_dataset_json(target, {**content, "numTraining": len(cases), "name": target.name})
    logger.info("%s: %d cases of %s", target, len(cases), raw)
    return target
