"""What ``thigh_evaluate -r REF -p PRED -o OUT`` does: match, score every case, summarise, write."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from thigh_common.errors import InvalidInputError
from thigh_evaluation.case_inputs import CasePair, match_cases
from thigh_evaluation.case_metrics import CaseResult, evaluate_case
from thigh_evaluation.metrics_table import METRICS_FILE, metrics_frame, write_metrics_csv
from thigh_evaluation.summary import (
    SUMMARY_CSV,
    SUMMARY_JSON,
    SummaryContext,
    summarise,
    write_summary_csv,
    write_summary_json,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvaluationOptions:
    """The label map folders, the output folder, and the processes that evaluate cases (1: this one)."""

    reference_folder: Path
    prediction_folder: Path
    output_folder: Path
    workers: int = 1


@dataclass(frozen=True)
class EvaluationRun:
    """The table of every row and the summary written."""

    metrics: pd.DataFrame
    summary: dict[str, Any]


def _check_options(options: EvaluationOptions) -> None:
    if options.workers < 1:
        raise InvalidInputError(f"--workers must be at least 1; got {options.workers}")
    output = options.output_folder.resolve()
    for role, folder in (("prediction", options.prediction_folder), ("reference", options.reference_folder)):
        if folder.exists() and output == folder.resolve():
            raise InvalidInputError(
                f"the output folder {options.output_folder} is the {role} folder; choose another -o so that "
                "the evaluation files do not mix with (or overwrite, like summary.csv) the label maps' folder"
            )


def _evaluate_pair(pair: CasePair) -> CaseResult:
    return evaluate_case(pair.case_id, pair.reference, pair.prediction)


def _evaluate_all(pairs: Sequence[CasePair], workers: int) -> Iterator[CaseResult]:
    """Evaluate every pair, in ``workers`` processes when more than one, with a progress bar."""
    progress = {"desc": "evaluating", "unit": "case", "total": len(pairs), "disable": None}
    if workers <= 1 or len(pairs) <= 1:
        for pair in tqdm(pairs, **progress):
            yield _evaluate_pair(pair)
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(pairs))) as pool:
        yield from tqdm(pool.map(_evaluate_pair, pairs), **progress)


def evaluate_folders(options: EvaluationOptions) -> EvaluationRun:
    """Evaluate every reference case that has a prediction, and write ``metrics.csv`` and the summaries.

    Raises:
        InvalidInputError: For a missing or empty folder, no matching case, an output folder that
            is an input folder, or a case that cannot be evaluated (its message names the case).
    """
    _check_options(options)
    pairs = match_cases(options.reference_folder, options.prediction_folder)
    logger.info(
        "evaluating %d case(s) of %s against %s (%d without prediction)",
        len(pairs.matched),
        options.reference_folder,
        options.prediction_folder,
        len(pairs.missing),
    )
    results = list(_evaluate_all(pairs.matched, options.workers))
    for result in results:
        logger.debug("%s: %s", result.case, result.split.reason)
    frame = metrics_frame(results)
    summary = summarise(
        frame,
        SummaryContext(
            options.reference_folder.resolve(),
            options.prediction_folder.resolve(),
            len(pairs.matched) + len(pairs.missing),
            pairs.missing,
            {r.case: r.split.to_dict() for r in results},
        ),
    )
    output = options.output_folder
    write_metrics_csv(frame, output / METRICS_FILE)
    write_summary_json(summary, output / SUMMARY_JSON)
    write_summary_csv(summary, output / SUMMARY_CSV)
    logger.info("wrote %s, %s and %s to %s", METRICS_FILE, SUMMARY_JSON, SUMMARY_CSV, output)
    return EvaluationRun(frame, summary)
