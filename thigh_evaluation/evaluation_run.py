"""What ``thigh_evaluate -r REF -p PRED -o OUT`` does: match, score every case, summarise, write."""

from __future__ import annotations

import logging
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from tqdm import tqdm

from thigh_common.errors import InvalidInputError
from thigh_evaluation.case_inputs import CasePair, match_cases
from thigh_evaluation.case_metrics import CaseResult, evaluate_case
from thigh_evaluation.metrics_table import METRICS_FILE, metrics_frame, write_metrics_csv
from thigh_evaluation.summary import SUMMARY_CSV, SUMMARY_JSON, SummaryContext, summarise, write_summaries

logger = logging.getLogger(__name__)


def _evaluate_pair(pair: CasePair) -> CaseResult:
    return evaluate_case(pair.case_id, pair.reference, pair.prediction)


def evaluate_folders(reference: Path, prediction: Path, output: Path, workers: int = 1) -> dict[str, Any]:
    """Evaluate every reference case that has a prediction (in ``workers`` processes); write the outputs.

    Returns:
        The content of ``summary.json``.

    Raises:
        InvalidInputError: For a missing or empty folder, no matching case, an output folder that
            is an input folder, or a case that cannot be evaluated (its message names the case).
    """
    if workers < 1:
        raise InvalidInputError(f"--workers must be at least 1; got {workers}")
    for role, folder in (("prediction", prediction), ("reference", reference)):
        if folder.exists() and output.resolve() == folder.resolve():
            raise InvalidInputError(
                f"the output folder {output} is the {role} folder; choose another -o so that "
                "the evaluation files do not mix with (or overwrite, like summary.csv) the label maps' folder"
            )
    pairs = match_cases(reference, prediction)
    logger.info(
        "evaluating %d case(s) of %s against %s (%d without prediction)",
        *(len(pairs.matched), reference, prediction, len(pairs.missing)),
    )
    progress = {"desc": "evaluating", "unit": "case", "total": len(pairs.matched), "disable": None}
    if workers <= 1 or len(pairs.matched) <= 1:
        results = [_evaluate_pair(pair) for pair in tqdm(pairs.matched, **progress)]
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(pairs.matched))) as pool:
            results = list(tqdm(pool.map(_evaluate_pair, pairs.matched), **progress))
    for result in results:
        logger.debug("%s: %s", result.case, result.legs.reason)
    frame = metrics_frame(results)
    context = SummaryContext(
        reference.resolve(),
        prediction.resolve(),
        len(pairs.matched) + len(pairs.missing),
        pairs.missing,
        {result.case: result.legs.to_dict() for result in results},
    )
    summary = summarise(frame, context)
    write_metrics_csv(frame, output / METRICS_FILE)
    write_summaries(summary, output)
    logger.info("wrote %s, %s and %s to %s", METRICS_FILE, SUMMARY_JSON, SUMMARY_CSV, output)
    return summary
