"""Observations of one configuration: one value per leg and structure, plus the mean over classes.

The unit of observation is a leg (case and side), as in the paper's 48 thighs. Besides the
classes and groups of ``metrics.csv``, each leg gets an "all classes" observation: the mean
of its ten class values, over the classes where the metric is defined (a class absent from
both label maps, or the ASD of a class missing from one of them, is left out of the mean).

Example:
    >>> import pandas as pd
    >>> metrics = pd.DataFrame({"case": ["a", "a"], "leg": ["left", "left"], "kind": ["class", "class"],
    ...                         "structure": ["sartorius", "gracilis"], "dice": [0.8, 0.6]})
    >>> row = observation_frame(metrics, ["dice"]).iloc[-1]
    >>> row["kind"], row["structure"], float(row["dice"])
    ('all', 'all_classes', 0.7)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from thigh_evaluation.comparison.names import ALL_CLASSES, Structure

LEG_KEY: list[str] = ["case", "leg"]


def observation_frame(metrics: pd.DataFrame, metric_columns: Sequence[str]) -> pd.DataFrame:
    """Per-leg values of every class and group, and of "all classes".

    Args:
        metrics: Rows of ``metrics.csv`` (columns ``case, leg, kind, structure`` and the metrics).
        metric_columns: The metrics to keep, e.g. ``["dice", "asd_mm"]``.

    Returns:
        Columns ``case, leg, kind, structure`` and ``metric_columns``; kind ``class``,
        ``group`` or ``all`` (structure ``all_classes``).
    """
    columns = [*LEG_KEY, "kind", "structure", *metric_columns]
    rows = metrics.loc[metrics["kind"].isin(["class", "group"]), columns]
    classes = rows[rows["kind"] == "class"]
    means = classes.groupby(LEG_KEY, sort=False)[list(metric_columns)].mean().reset_index()
    means.insert(2, "kind", "all")
    means.insert(3, "structure", ALL_CLASSES)
    return pd.concat([rows, means[columns]], ignore_index=True)


def values_of(observations: pd.DataFrame, structure: Structure, metric: str) -> np.ndarray:
    """The defined values of one structure and metric (NaN left out), as floats."""
    kind, name = structure
    selected = observations.loc[(observations["kind"] == kind) & (observations["structure"] == name), metric]
    return selected.dropna().to_numpy(dtype=float)


def structures_of(observations: pd.DataFrame) -> list[Structure]:
    """The ``(kind, structure)`` pairs present, in the order first seen."""
    pairs = zip(observations["kind"], observations["structure"], strict=True)
    return list(dict.fromkeys(pairs))


def leg_count(observations: pd.DataFrame) -> int:
    """Number of distinct legs (case and side)."""
    return len(observations[LEG_KEY].drop_duplicates())
