"""The tidy table of descriptive statistics: one row per metric, structure and configuration.

Example:
    >>> table = summary_table(observations, ["dice", "asd_mm"])  # doctest: +SKIP
    >>> list(table.columns)  # doctest: +SKIP
    ['metric', 'structure', 'kind', 'configuration', 'mean', 'sd', 'median', 'q25', 'q75', 'n']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from thigh_evaluation.comparison.names import Structure, ordered_structures
from thigh_evaluation.comparison.observations import structures_of, values_of
from thigh_evaluation.statistics import describe

SUMMARY_COLUMNS: tuple[str, ...] = (
    "metric",
    "structure",
    "kind",
    "configuration",
    "mean",
    "sd",
    "median",
    "q25",
    "q75",
    "n",
)


def compared_structures(observations: Mapping[str, pd.DataFrame]) -> list[Structure]:
    """Every ``(kind, structure)`` of any configuration, in table order."""
    return ordered_structures(pair for frame in observations.values() for pair in structures_of(frame))


def summary_table(observations: Mapping[str, pd.DataFrame], metrics: Sequence[str]) -> pd.DataFrame:
    """Mean, SD, median, quartiles and n of each metric, structure and configuration.

    Each configuration is described over all of its own defined values (not only the legs it
    shares with the others); ``n`` says how many.

    Args:
        observations: Observation frames by configuration name, in column order.
        metrics: Metric columns, e.g. ``["dice", "asd_mm"]``.

    Returns:
        A frame with :data:`SUMMARY_COLUMNS`.
    """
    rows = []
    for metric in metrics:
        for kind, name in compared_structures(observations):
            for configuration, frame in observations.items():
                statistics = describe(values_of(frame, (kind, name), metric))
                rows.append(
                    {"metric": metric, "structure": name, "kind": kind, "configuration": configuration}
                    | statistics
                )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
