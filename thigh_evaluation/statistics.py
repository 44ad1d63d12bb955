"""The statistics of the evaluation tools: descriptive statistics over legs, per-leg means, paired t-tests."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

STATISTICS: tuple[str, ...] = ("mean", "sd", "median", "q25", "q75", "iqr", "n")
"""``sd``: sample standard deviation (``ddof=1``, NaN for fewer than two values); ``q25``, ``q75``:
quartiles by numpy's linear interpolation; ``iqr = q75 - q25``; ``n``: number of defined values."""


def describe(values: Iterable[float]) -> dict[str, float | int]:
    """Mean, SD, median, quartiles, IQR and count of the defined values.

    Args:
        values: Metric values; NaN means undefined and is left out.

    Returns:
        One entry per name in :data:`STATISTICS`; every statistic is NaN when no value is defined.
    """
    array = np.asarray(list(values), dtype=float)
    array = array[~np.isnan(array)]
    n = int(array.size)
    if n == 0:
        return {name: (0 if name == "n" else math.nan) for name in STATISTICS}
    q25, median, q75 = (float(v) for v in np.percentile(array, [25.0, 50.0, 75.0]))
    return {
        "mean": float(array.mean()),
        "sd": float(array.std(ddof=1)) if n > 1 else math.nan,
        "median": median,
        "q25": q25,
        "q75": q75,
        "iqr": q75 - q25,
        "n": n,
    }


def scored(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` without those of a structure absent from both label maps (given a ``status`` column)."""
    return rows[rows["status"] != "absent_in_both"] if "status" in rows.columns else rows


def per_leg_means(frame: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Each metric averaged over the classes of each leg, undefined values (NaN) left out.

    Rows of a class absent from both label maps (``status`` ``absent_in_both``, where the frame has a
    ``status`` column) do not count.

    Args:
        frame: Rows of ``metrics.csv`` (columns ``case, leg, kind`` and ``metrics``).
        metrics: The metric columns to average.

    Returns:
        Columns ``case``, ``leg`` and ``metrics``; one row per leg, in order of appearance.
    """
    classes = scored(frame[frame["kind"] == "class"])
    return classes.groupby(["case", "leg"], sort=False)[list(metrics)].mean().reset_index()


SIGNIFICANCE_LEVELS: tuple[tuple[float, str], ...] = ((0.01, "**"), (0.05, "*"))
"""``(level, mark)`` pairs, strictest first: ``p < level`` earns the mark."""

ZERO_VARIANCE_NOTE = "the differences are all equal (zero variance): no t-test"


def significance_mark(p: float) -> str:
    """``"**"`` for p < 0.01, ``"*"`` for p < 0.05, ``""`` otherwise (NaN included)."""
    for level, mark in SIGNIFICANCE_LEVELS:
        if p < level:  # False for NaN
            return mark
    return ""


@dataclass(frozen=True)
class PairedTest:
    """A paired two-sided Student t-test of ``other - reference``.

    Attributes:
        n: Number of pairs.
        mean_difference: Mean of ``other - reference`` (NaN without pairs).
        t: t statistic of ``other - reference`` (NaN when not tested).
        p: Two-sided p-value (NaN when not tested).
        note: Why no test was done, or "".
    """

    n: int
    mean_difference: float
    t: float
    p: float
    note: str = ""

    @property
    def mark(self) -> str:
        """The significance mark of ``p``."""
        return significance_mark(self.p)


def paired_t_test(reference: np.ndarray, other: np.ndarray) -> PairedTest:
    """Paired Student t-test (``scipy.stats.ttest_rel``) of ``other`` against ``reference``.

    Fewer than two pairs, or differences that are all equal, leave ``t`` and ``p`` NaN with a note.

    Args:
        reference: Values of the reference configuration, shape ``(n,)``.
        other: Values of the other configuration for the same legs, shape ``(n,)``.

    Returns:
        The test.

    Raises:
        ValueError: If the arrays differ in length.
    """
    reference, other = np.asarray(reference, float), np.asarray(other, float)
    if reference.shape != other.shape:
        raise ValueError(f"paired arrays differ in shape: {reference.shape} and {other.shape}")
    differences = other - reference
    n = differences.size
    mean = float(differences.mean()) if n else math.nan
    if n < 2:
        return PairedTest(
            n, mean, math.nan, math.nan, f"only {n} pair{'' if n == 1 else 's'}: a t-test needs at least 2"
        )
    scale = max(1.0, float(np.abs(differences).max()))
    if float(differences.std(ddof=1)) <= 1e-12 * scale:
        return PairedTest(n, mean, math.nan, math.nan, ZERO_VARIANCE_NOTE)
    result = stats.ttest_rel(other, reference)
    return PairedTest(n, mean, float(result.statistic), float(result.pvalue))


def better_configuration(test: PairedTest, reference: str, other: str, higher_is_better: bool) -> str:
    """The configuration with the better mean over the pairs, or "" for a tie or no pairs."""
    if math.isnan(test.mean_difference) or test.mean_difference == 0:
        return ""
    other_higher = test.mean_difference > 0
    return other if other_higher == higher_is_better else reference
