"""The statistics of the evaluation tools: descriptive statistics over legs, per-leg means, paired t-tests."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

STATISTICS: tuple[str, ...] = ("mean", "sd", "median", "q25", "q75", "iqr", "n")


def describe(values: Iterable[float]) -> dict[str, float | int]:
    """:data:`STATISTICS` of the defined values (NaN left out; all NaN, ``n`` 0, when none is defined).

    ``sd`` has ``ddof=1`` (NaN for one value); quartiles by numpy's linear interpolation.
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
    """Per leg (``case``, ``leg``, in order of appearance), each metric's mean over its :func:`scored` classes.

    Undefined values (NaN) are left out: "all classes" of every table, "overall" of ``summary.json``.
    """
    return (
        scored(frame[frame["kind"] == "class"])
        .groupby(["case", "leg"], sort=False)[list(metrics)]
        .mean()
        .reset_index()
    )


SIGNIFICANCE_LEVELS: tuple[tuple[float, str], ...] = ((0.01, "**"), (0.05, "*"))  # p < level earns the mark

ZERO_VARIANCE_NOTE = "the differences are all equal (zero variance): no t-test"


def significance_mark(p: float) -> str:
    """``"**"`` for p < 0.01, ``"*"`` for p < 0.05, ``""`` otherwise (NaN included)."""
    for level, mark in SIGNIFICANCE_LEVELS:
        if p < level:  # False for NaN
            return mark
    return ""


@dataclass(frozen=True)
class PairedTest:
    """A paired two-sided t-test of ``other - reference``; ``t`` and ``p`` NaN, with a ``note``, if not done."""

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
    """Paired Student t-test (``scipy.stats.ttest_rel``) of ``other`` against ``reference``, both ``(n,)``.

    Fewer than two pairs, or differences that are all equal, leave ``t`` and ``p`` NaN with a note.

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
