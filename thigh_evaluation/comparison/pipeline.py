"""Compare configurations on their evaluations: read each ``metrics.csv``, test, draw, write ``comparison.md``.

See ``documentation/thigh_compare.md``.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from thigh_common.atomic import atomic_path, write_text_atomic
from thigh_common.errors import InvalidInputError
from thigh_evaluation.comparison import DEFAULT_METRICS, METRICS
from thigh_evaluation.comparison.figure import plot_boxes
from thigh_evaluation.comparison.tables import display_name, observation_frame, summary_table, ttest_table
from thigh_evaluation.markdown_table import table
from thigh_evaluation.metrics_table import KEY_COLUMNS, METRICS_FILE, read_metrics_csv

logger = logging.getLogger(__name__)

FIGURE_FILE, MARKDOWN_FILE = "comparison.png", "comparison.md"
SUMMARY_FILE, TTESTS_FILE = "comparison.csv", "ttests.csv"
PREFERRED_REFERENCE = "2d5"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


@dataclass(frozen=True)
class ComparisonResult:
    """What :func:`compare` computed (the rows of ``comparison.csv`` and ``ttests.csv``) and wrote."""

    reference: str
    configurations: tuple[str, ...]
    legs: dict[str, int]
    summary: pd.DataFrame
    tests: pd.DataFrame
    figure_path: Path
    markdown_path: Path
    summary_path: Path
    tests_path: Path


def parse_configurations(arguments: Sequence[str]) -> dict[str, Path]:
    """``["2d=evals/2d", "2d5=evals/2d5"]`` as configuration name to evaluation folder, in the order given.

    Raises:
        InvalidInputError: If an argument is not ``NAME=DIR``, or a name repeats.
    """
    configurations: dict[str, Path] = {}
    for argument in arguments:
        name, separator, folder = argument.partition("=")
        if not separator or not _NAME.match(name) or not folder:
            raise InvalidInputError(
                f"expected NAME=EVAL_DIR (e.g. 2d5=evals/2d5; NAME of letters, digits, '_', '.', '+', '-'), "
                f"got {argument!r}"
            )
        if name in configurations:
            raise InvalidInputError(
                f"configuration name {name!r} given twice ({configurations[name]} and {folder}): "
                "give each evaluation its own name"
            )
        configurations[name] = Path(folder)
    return configurations


def load_metrics(folder: Path, metrics: Sequence[str] = DEFAULT_METRICS, name: str = "") -> pd.DataFrame:
    """The rows of kind ``class`` and ``group`` of ``folder/metrics.csv``: key columns and ``metrics``.

    Raises:
        InvalidInputError: If the folder or file is missing, a column is missing, a metric
            is not numeric, or a case, leg and structure appear more than once.
    """
    folder = Path(folder)
    label = f"evaluation folder of {name}" if name else "evaluation folder"
    if not folder.is_dir():
        raise InvalidInputError(f"{label} not found: {folder} (give the output folder of thigh_evaluate)")
    path = folder / METRICS_FILE
    if not path.is_file():
        raise InvalidInputError(
            f"{folder} has no {METRICS_FILE}: expected the output folder of thigh_evaluate ({label})"
        )
    frame = read_metrics_csv(path, metrics)
    frame = frame[frame["kind"].isin(["class", "group"])]
    if frame.empty:
        raise InvalidInputError(f"{path} has no rows of kind class or group: run thigh_evaluate again")
    repeated = frame[frame.duplicated(list(KEY_COLUMNS), keep=False)].drop_duplicates(list(KEY_COLUMNS))
    if len(repeated):
        first = repeated.iloc[0]
        raise InvalidInputError(
            f"{path}: {len(repeated)} case, leg and structure combination(s) appear more than once, e.g. case "
            f"{first['case']}, {first['leg']} leg, {first['kind']} {first['structure']}: each must appear once"
        )
    legs = frame[["case", "leg"]].drop_duplicates()
    logger.info("%s: %d case(s), %d leg(s), %d row(s)", name, legs["case"].nunique(), len(legs), len(frame))
    return frame[[*KEY_COLUMNS, *metrics]].reset_index(drop=True)


def compare(
    evaluations: Mapping[str, Path],
    output: Path,
    reference: str | None = None,
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> ComparisonResult:
    """Compare evaluations: write ``comparison.png``, ``.md``, ``.csv`` and ``ttests.csv`` into ``output``.

    Args:
        evaluations: Configuration name to ``thigh_evaluate`` folder, in the order of boxes and columns.
        output: Output folder (created; files written atomically).
        reference: Configuration the others are tested against: by default ``2d5`` if compared, else the first.
        metrics: Metric columns to compare (``"dice"``, ``"asd_mm"``, ``"hd95_mm"``).

    Raises:
        InvalidInputError: Fewer than two configurations, an unknown reference or metric, an
            output path that is a file, a missing or malformed ``metrics.csv``, or no
            observations in common.
    """
    names = list(evaluations)
    if len(names) < 2:
        raise InvalidInputError(
            f"a comparison needs at least two configurations (NAME=EVAL_DIR), got {len(names)}"
            f"{': ' + names[0] if names else ''}"
        )
    metrics = list(dict.fromkeys(metrics))
    unknown = [metric for metric in metrics if metric not in METRICS]
    if unknown:
        raise InvalidInputError(f"unknown metric(s) {', '.join(unknown)}: choose from {', '.join(METRICS)}")
    if reference is None:
        reference = PREFERRED_REFERENCE if PREFERRED_REFERENCE in names else names[0]
    if reference not in names:
        raise InvalidInputError(
            f"reference {reference!r} is not among the compared configurations: {', '.join(names)}"
        )
    output = Path(output)
    if output.exists() and not output.is_dir():
        raise InvalidInputError(f"output {output} is a file: give a folder for the comparison")
    frames = {name: load_metrics(folder, metrics, name) for name, folder in evaluations.items()}
    observations = {name: observation_frame(frame, metrics) for name, frame in frames.items()}
    summary, tests = summary_table(observations, metrics), ttest_table(observations, reference, metrics)
    legs = {name: len(frame[["case", "leg"]].drop_duplicates()) for name, frame in observations.items()}
    plot_boxes(frames, output / FIGURE_FILE, metrics, tests)
    for frame, name in ((summary, SUMMARY_FILE), (tests, TTESTS_FILE)):
        with atomic_path(output / name) as temporary:
            frame.to_csv(temporary, index=False)
    markdown = markdown_report(summary, tests, reference, legs, metrics, FIGURE_FILE)
    write_text_atomic(markdown, output / MARKDOWN_FILE)
    for test in tests[tests["kind"] == "all"].to_dict("records"):
        logger.info(
            "%(metric)s, all classes, %(other)s vs %(reference)s: n=%(n)d, "
            "mean difference %(mean_difference)+.4g, p=%(p).3g %(mark)s(better: %(better)s)",
            test | {"mark": f"{test['mark']} " if test["mark"] else "", "better": test["better"] or "tie"},
        )
    paths = (output / name for name in (FIGURE_FILE, MARKDOWN_FILE, SUMMARY_FILE, TTESTS_FILE))
    return ComparisonResult(reference, tuple(names), legs, summary, tests, *paths)


def markdown_report(
    summary: pd.DataFrame,
    tests: pd.DataFrame,
    reference: str,
    legs: Mapping[str, int],
    metrics: Sequence[str],
    figure_name: str | None,
) -> str:
    """The whole ``comparison.md``: a header, the figure (``figure_name``, or none) and a table per metric.

    ``summary`` and ``tests`` are the tables of ``summary_table`` and ``ttest_table``; ``legs`` the legs
    evaluated per configuration, in column order.
    """
    configurations = ", ".join(f"{name} ({count} legs)" for name, count in legs.items())
    lines = [
        "# Comparison of configurations",
        "",
        f"- Reference: **{reference}**. Configurations: {configurations}.",
        f"- Test: paired two-sided Student t-test (`scipy.stats.ttest_rel`) of each configuration against "
        f"{reference}, over the legs (case and side) where both define the value; p-values are not "
        "corrected for multiple comparisons.",
        "- Marks: `*` p < 0.05, `**` p < 0.01; the configuration with the better mean follows in brackets.",
        "- *all classes*: per leg, the mean over the ten muscle classes (those where the metric is defined).",
        "- Values: mean ± SD over each configuration's own legs.",
    ]
    if figure_name:
        lines += ["", f"![Box plots per class and over all classes]({figure_name})"]
    for metric in metrics:
        lines += ["", *_metric_section(summary, tests, reference, list(legs), metric)]
    return "\n".join(lines) + "\n"


def _metric_section(
    summary: pd.DataFrame, tests: pd.DataFrame, reference: str, names: list[str], metric: str
) -> list[str]:
    spec = METRICS[metric]
    header = ["structure", *names, *(f"p {name} vs {reference}" for name in names if name != reference)]
    cells: dict[tuple[str, str, str], str] = {}  # by kind, structure and column
    for row in summary[summary["metric"] == metric].itertuples():
        cells[row.kind, row.structure, row.configuration] = f"{spec.format(row.mean)} ± {spec.format(row.sd)}"
    notes = []
    for test in tests[tests["metric"] == metric].itertuples():
        p = "n/a" if math.isnan(test.p) else f"{test.p:.1e}" if test.p < 0.001 else f"{test.p:.3f}"
        mark = f" {test.mark} ({test.better})" if test.mark else ""
        cells[test.kind, test.structure, f"p {test.other} vs {reference}"] = p + mark
        if test.note:
            notes.append(
                f"- {display_name(test.kind, test.structure)}, {test.other} vs {reference}: {test.note}."
            )
    structures = dict.fromkeys((kind, structure) for kind, structure, _ in cells)
    rows = [
        [display_name(*key), *(cells.get((*key, column), "n/a") for column in header[1:])]
        for key in structures
    ]
    higher = "Higher" if spec.higher_is_better else "Lower"
    lines = [f"## {spec.axis_label}", "", f"{higher} is better.", "", table(header, rows)]
    return lines + (["", "Not tested:", "", *notes] if notes else [])
