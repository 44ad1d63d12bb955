"""The markdown report of a comparison: a header, the figure, and one table per metric.

Rows are the classes, the groups and "all classes"; columns are mean ± SD per
configuration, then the p-value and mark of each other configuration against the reference.

Example:
    >>> text = markdown_report(summary, tests, "2d5", {"2d": 10, "2d5": 10}, ["dice"], "comparison.png")  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from thigh_evaluation.comparison.metric_specs import METRICS
from thigh_evaluation.comparison.names import display_name, ordered_structures

MARK_LEGEND = "`*` p < 0.05, `**` p < 0.01"


def format_p(p: float) -> str:
    """A p-value for a table: three decimals, or scientific below 0.001; NaN as "n/a".

    Example:
        >>> format_p(0.0123), format_p(0.00021), format_p(float("nan"))
        ('0.012', '2.1e-04', 'n/a')
    """
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
    """The whole ``comparison.md``.

    Args:
        summary: The table of ``summary_table``.
        tests: The table of ``ttest_table``.
        reference: Name of the reference configuration.
        legs: Number of legs evaluated per configuration, in column order.
        metrics: Metric columns, one table each.
        figure_name: File name of the figure beside the report, or None for none.

    Returns:
        Markdown text ending in a newline.
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
    lines = [
        f"## {spec.axis_label}",
        "",
        f"{'Higher' if spec.higher_is_better else 'Lower'} is better.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + " --- |" * len(header),
    ]
    notes = []
    structures = ordered_structures(zip(summary["kind"], summary["structure"], strict=True))
    for kind, structure in structures:
        rows = summary[(summary["kind"] == kind) & (summary["structure"] == structure)].set_index(
            "configuration"
        )
        cells = [display_name(kind, structure)]
        for name in names:
            cells.append(
                f"{spec.format(rows.at[name, 'mean'])} ± {spec.format(rows.at[name, 'sd'])}"
                if name in rows.index
                else "n/a"
            )
        for other in others:
            test = tests[
                (tests["kind"] == kind) & (tests["structure"] == structure) & (tests["other"] == other)
            ]
            if test.empty:
                cells.append("n/a")
                continue
            test = test.iloc[0]
            cell = format_p(float(test["p"]))
            if test["mark"]:
                cell += f" {test['mark']} ({test['better']})"
            if test["note"]:
                notes.append(f"- {display_name(kind, structure)}, {other} vs {reference}: {test['note']}.")
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
    if notes:
        lines += ["", "Not tested:", "", *notes]
    return lines
