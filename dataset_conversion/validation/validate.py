"""Validate a raw dataset: every check, every case, all problems collected in one report.

Example:
    >>> report = validate_dataset(Path("Dataset001_Thigh"), workers=4)  # doctest: +SKIP
    >>> print(report.format())  # doctest: +SKIP
    >>> ensure_valid_dataset(Path("Dataset001_Thigh"))  # raises DatasetInvalidError  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tqdm import tqdm

from dataset_conversion.validation.case_checks import CaseResult, check_case
from dataset_conversion.validation.dataset_json_checks import (
    check_dataset_json_content,
    check_num_training,
    load_dataset_json,
)
from dataset_conversion.validation.layout_checks import (
    CaseFiles,
    find_test_cases,
    find_training_cases,
    infer_file_ending,
)
from dataset_conversion.validation.report import ValidationReport
from thigh_common.errors import InvalidInputError, ThighSegError
from thigh_common.image_io import IMAGE_EXTENSIONS

LOGGER = logging.getLogger("thighseg.validation")


class DatasetInvalidError(ThighSegError):
    """A raw dataset breaks the dataset contract; the message lists every problem.

    Attributes:
        report: The full validation report.
    """

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(
            f"{report.format()}\n"
            f"Fix the problems above (see documentation/dataset_format.md), then check again with "
            f"`thigh_validate {report.folder}` for details."
        )
        self.report = report


def default_workers() -> int:
    """Return the default number of worker processes of the command: ``min(4, CPUs)``."""
    return max(1, min(4, os.cpu_count() or 1))


def _check_cases(cases: Sequence[CaseFiles], folder: Path, workers: int) -> Iterator[CaseResult]:
    """Check every case, in ``workers`` processes when more than one, with a progress bar."""
    progress = {"desc": f"checking {folder.name}", "unit": "case", "total": len(cases), "disable": None}
    if workers <= 1 or len(cases) <= 1:
        for files in tqdm(cases, **progress):
            yield check_case(files, folder)
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(cases))) as pool:
        yield from tqdm(pool.map(check_case, cases, [folder] * len(cases)), **progress)


def validate_dataset(folder: str | os.PathLike[str], workers: int = 1) -> ValidationReport:
    """Run every check on a raw dataset and collect all problems.

    Args:
        folder: The dataset folder (holding ``dataset.json``, ``imagesTr``, ``labelsTr``).
        workers: Number of processes that read cases in parallel (1: in this process).

    Returns:
        The report; ``report.ok`` is True when no problem was found.

    Raises:
        InvalidInputError: If ``folder`` is not a folder.
    """
    start = time.perf_counter()
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInputError(
            f"dataset folder {folder} not found: expected a folder with dataset.json, imagesTr and labelsTr"
        )
    content, problems = load_dataset_json(folder)
    if content is not None:
        problems += check_dataset_json_content(content)
    file_ending = content.get("file_ending") if content is not None else None
    if file_ending not in IMAGE_EXTENSIONS:
        file_ending = infer_file_ending(folder)
        LOGGER.debug("checking files against the most common file ending %s", file_ending)
    training, found = find_training_cases(folder, file_ending)
    problems += found
    if content is not None:
        problems += check_num_training(content, len(training))
    testing, found = find_test_cases(folder, file_ending)
    problems += found
    LOGGER.info("%s: checking %d training case(s) and %d test image(s)", folder, len(training), len(testing))
    results = list(_check_cases([*training, *testing], folder, workers))
    for result in results:
        problems += result.problems
    infos = [result.info for result in results]
    return ValidationReport(
        folder=folder,
        problems=tuple(problems),
        cases=tuple(info for info in infos if info.folder == "imagesTr"),
        test_cases=tuple(info for info in infos if info.folder != "imagesTr"),
        file_ending=file_ending,
        seconds=time.perf_counter() - start,
    )


def ensure_valid_dataset(folder: str | os.PathLike[str], workers: int = 1) -> ValidationReport:
    """Validate a raw dataset and raise when it has any problem (for the planner).

    Args:
        folder: The dataset folder.
        workers: Number of processes that read cases in parallel.

    Returns:
        The report of a valid dataset (its cases, spacings and sizes).

    Raises:
        DatasetInvalidError: Listing every problem, when there is any.
        InvalidInputError: If ``folder`` is not a folder.
    """
    report = validate_dataset(folder, workers=workers)
    if not report.ok:
        raise DatasetInvalidError(report)
    return report
