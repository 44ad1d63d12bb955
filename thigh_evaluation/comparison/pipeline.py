"""Compare configurations on their evaluations: the whole comparison, and its ``comparison.md``.

See ``documentation/thigh_compare.md``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from thigh_common.atomic import atomic_path, write_text_atomic
from thigh_common.errors import InvalidInputError
from thigh_evaluation.comparison.figure import plot_boxes
from thigh_evaluation.comparison.loading import load_evaluations
from thigh_evaluation.comparison.tables import (
    DEFAULT_METRICS,
    METRICS,
    check_overlap,
    display_name,
    leg_count,
    observation_frame,
    ordered_structures,
    summary_table,
    ttest_table,
)
from thigh_evaluation.markdown_table import table

logger = logging.getLogger(__name__)


FIGURE_FILE = "comparison.png"
MARKDOWN_FILE = "comparison.md"
SUMMARY_FILE = "comparison.csv"
TTESTS_FILE = "ttests.csv"
PREFERRED_REFERENCE = "2d5"


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


def choose_reference(names: Sequence[str], reference: str | None = None) -> str:
    """The reference configuration: ``reference`` if given, else ``"2d5"`` if compared, else the first.

    Raises:
        InvalidInputError: If ``reference`` is not one of ``names``.
    """
    if reference is None:
        return PREFERRED_REFERENCE if PREFERRED_REFERENCE in names else names[0]
    if reference not in names:
        raise InvalidInputError(
            f"reference {reference!r} is not among the compared configurations: {', '.join(names)}"
        )
    return reference


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
        reference: Configuration the others are tested against (:func:`choose_reference`).
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
    reference = choose_reference(names, reference)
    output = Path(output)
    if output.exists() and not output.is_dir():
        raise InvalidInputError(f"output {output} is a file: give a folder for the comparison")
    frames = load_evaluations(evaluations, metrics)
    observations = {name: observation_frame(frame, metrics) for name, frame in frames.items()}
    check_overlap(observations, reference)

    summary = summary_table(observations, metrics)
    tests = ttest_table(observations, reference, metrics)
    legs = {name: leg_count(frame) for name, frame in observations.items()}
    figure_path = plot_boxes(frames, output / FIGURE_FILE, metrics, tests)
    summary_path, tests_path = output / SUMMARY_FILE, output / TTESTS_FILE
    _write_csv(summary, summary_path)
    _write_csv(tests, tests_path)
    markdown_path = output / MARKDOWN_FILE
    write_text_atomic(markdown_report(summary, tests, reference, legs, metrics, FIGURE_FILE), markdown_path)
    _log_findings(tests)
    return ComparisonResult(
        reference, tuple(names), legs, summary, tests, figure_path, markdown_path, summary_path, tests_path
    )


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as temporary:
        frame.to_csv(temporary, index=False)


def _log_findings(tests: pd.DataFrame) -> None:
    for _, test in tests[tests["kind"] == "all"].iterrows():
        logger.info(
            "%s, all classes, %s vs %s: n=%d, mean difference %+.4g, p=%.3g %s(better: %s)",
            test["metric"],
            test["other"],
            test["reference"],
            test["n"],
            test["mean_difference"],
            test["p"],
            f"{test['mark']} " if test["mark"] else "",
            test["better"] or "tie",
        )


MARK_LEGEND = "`*` p < 0.05, `**` p < 0.01"


def format_p(p: float) -> str:
    """A p-value for a table: three decimals, or scientific below 0.001 (``2.1e-04``); NaN as "n/a"."""
    if math.isnan(p):
        return "n/a"
    return f"{p:.1e}" if p < 0.001 else f"{p:.3f}"


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
        f"- Marks: {MARK_LEGEND}; the configuration with the better mean follows in brackets.",
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
    others = [name for name in names if name != reference]
    summary = summary[summary["metric"] == metric]
    tests = tests[tests["metric"] == metric]
    header = ["structure", *names, *(f"p {other} vs {reference}" for other in others)]
    rows, notes = [], []
    for kind, structure in ordered_structures(zip(summary["kind"], summary["structure"], strict=True)):
        own = summary[(summary["kind"] == kind) & (summary["structure"] == structure)].set_index(
            "configuration"
        )
        cells = [display_name(kind, structure)]
        cells += [
            f"{spec.format(own.at[name, 'mean'])} ± {spec.format(own.at[name, 'sd'])}"
            if name in own.index
            else "n/a"
            for name in names
        ]
        for other in others:
            test = tests[
                (tests["kind"] == kind) & (tests["structure"] == structure) & (tests["other"] == other)
            ]
            if test.empty:
                cells.append("n/a")
                continue
            test = test.iloc[0]
            mark = f" {test['mark']} ({test['better']})" if test["mark"] else ""
            cells.append(format_p(float(test["p"])) + mark)
            if test["note"]:
                notes.append(f"- {display_name(kind, structure)}, {other} vs {reference}: {test['note']}.")
        rows.append(cells)
    higher = "Higher" if spec.higher_is_better else "Lower"
    lines = [f"## {spec.axis_label}", "", f"{higher} is better.", "", table(header, rows)]
    return lines + (["", "Not tested:", "", *notes] if notes else [])
