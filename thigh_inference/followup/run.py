"""``thigh_followup``: compare two ``thigh_predict`` runs subject by subject (or predict two scans first).

Output folder: ``followup.csv`` (every subject's rows, see
:data:`~thigh_inference.followup.changes.CHANGE_COLUMNS`), ``SUBJECT_change.png`` per
subject and ``followup.md``. Runs made with different models or label tables (their
``prediction.json`` records differ) are refused before anything is written. A subject
whose scans are missing, or whose scans carry different PatientIDs, is reported and
skipped; the others still get their rows, and the exit status is 1. With a model, the
two time points are scans, predicted first (:mod:`thigh_inference.followup.from_scans`).

Example:
    >>> run_followup(FollowupOptions(Path("base"), Path("later"), Path("change")))  # doctest: +SKIP
    0
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from thigh_common.atomic import write_text_atomic
from thigh_common.errors import InvalidInputError
from thigh_inference.followup.changes import CHANGE_COLUMNS, read_muscle_table, subject_changes
from thigh_inference.followup.figure import FIGURE_SUFFIX, write_change_figure
from thigh_inference.followup.from_scans import predict_time_points
from thigh_inference.followup.page import followup_page
from thigh_inference.followup.pairing import Pair, pairs_by_name, read_pairs
from thigh_inference.muscle_table import TABLE_SUFFIX
from thigh_inference.run_record import comparability_problems, read_run_records

logger = logging.getLogger(__name__)

COHORT_TABLE = "followup.csv"
PAGE = "followup.md"


@dataclass(frozen=True)
class FollowupOptions:
    """What ``thigh_followup`` compares.

    Attributes:
        baseline: Output folder of the baseline ``thigh_predict`` run (with ``model``: the baseline scans).
        followup: Output folder of the follow-up run (with ``model``: the follow-up scans).
        output: Where the tables, figures and page go.
        pairs: A pairing CSV (None: the same case name in both runs is one subject, or the two
            scans when each time point is one scan).
        model: A model to predict the scans with first (what ``thigh_predict -m`` takes); None:
            ``baseline`` and ``followup`` are ``thigh_predict`` outputs.
        device: ``--device`` for that prediction.
        precision: ``--precision`` for that prediction.
    """

    baseline: Path
    followup: Path
    output: Path
    pairs: Path | None = None
    model: str | None = None
    device: str = "auto"
    precision: str = "auto"


def _cases(folder: Path, what: str) -> set[str]:
    if not folder.is_dir():
        raise InvalidInputError(
            f"{folder}: no such folder; expected the output folder of a thigh_predict run ({what})"
        )
    cases = {path.name[: -len(TABLE_SUFFIX)] for path in folder.glob(f"*{TABLE_SUFFIX}")}
    if not cases:
        raise InvalidInputError(
            f"{folder}: no CASE{TABLE_SUFFIX} tables; expected the output of thigh_predict ({what}); "
            "to compare scans, give a model with -m and they are predicted first"
        )
    return cases


def check_comparable(baseline: Path, followup: Path) -> None:
    """Refuse runs made with different models or label tables (when both have run records).

    Raises:
        InvalidInputError: Naming what differs.
    """
    first, second = read_run_records(baseline), read_run_records(followup)
    if not first or not second:
        missing = baseline if not first else followup
        logger.warning(
            "%s has no prediction.json (made before it was written): the models cannot be compared", missing
        )
        return
    problems = comparability_problems(first[0], second[0])
    if problems:
        raise InvalidInputError(
            f"{baseline} and {followup} cannot be compared: {'; '.join(problems)}. Predict both time points "
            "with the same model"
        )


def _subject_rows(pair: Pair, options: FollowupOptions) -> pd.DataFrame:
    tables = []
    for folder, case, what in (
        (options.baseline, pair.baseline, "baseline"),
        (options.followup, pair.followup, "follow-up"),
    ):
        path = folder / f"{case}{TABLE_SUFFIX}"
        if not path.is_file():
            raise InvalidInputError(f"{what} case {case!r} is not in {folder} (no {path.name})")
        tables.append(read_muscle_table(path))
    return subject_changes(pair, *tables)


def run_followup(options: FollowupOptions) -> int:
    """Compare the two runs; return 0 when every subject was compared, else 1.

    Raises:
        InvalidInputError: For folders that are not thigh_predict outputs, runs of different models or
            label tables, or a bad pairing file; nothing is compared then.
    """
    single_pair = None
    if options.model is not None:
        runs = predict_time_points(
            options.baseline,
            options.followup,
            options.output,
            options.model,
            options.device,
            options.precision,
        )
        options = dataclasses.replace(options, baseline=runs.baseline, followup=runs.followup)
        single_pair = runs.single_pair
    check_comparable(options.baseline, options.followup)
    baseline_cases, followup_cases = (
        _cases(options.baseline, "baseline"),
        _cases(options.followup, "follow-up"),
    )
    if options.pairs is not None:
        pairs, failures = read_pairs(options.pairs), {}
    elif single_pair is not None:
        pairs, failures = [single_pair], {}
    else:
        pairs, failures = pairs_by_name(baseline_cases, followup_cases)
    options.output.mkdir(parents=True, exist_ok=True)
    frames = []
    for pair in pairs:
        try:
            rows = _subject_rows(pair, options)
        except InvalidInputError as error:
            failures[pair.subject] = str(error)
            logger.error("%s: %s", pair.subject, error)
            continue
        write_change_figure(rows, options.output / f"{pair.subject}{FIGURE_SUFFIX}")
        frames.append(rows)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(CHANGE_COLUMNS))
    write_text_atomic(table.to_csv(index=False), options.output / COHORT_TABLE)
    write_text_atomic(
        followup_page(table, failures, str(options.baseline), str(options.followup)), options.output / PAGE
    )
    logger.info("compared %d subject(s) into %s; %d not compared", len(frames), options.output, len(failures))
    for subject, message in failures.items():
        logger.warning("not compared: %s: %s", subject, message)
    return 1 if failures else 0
