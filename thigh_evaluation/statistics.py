"""The statistics of the evaluation tools: descriptive statistics over legs, per-leg means, paired t-tests."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

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
    sd = float(array.std(ddof=1)) if n > 1 else math.nan
    return dict(zip(STATISTICS, (float(array.mean()), sd, median, q25, q75, q75 - q25, n), strict=True))


def scored(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` without those of a structure absent from both label maps (given a ``status`` column)."""
    return rows[rows["status"] != "absent_in_both"] if "status" in rows.columns else rows


def per_leg_means(frame: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Per leg (``case``, ``leg``, in order of appearance), each metric's mean over its :func:`scored` classes.

    Undefined values (NaN) are left out: "all classes" of every table, "overall" of ``summary.json``.
    """
    classes = scored(frame[frame["kind"] == "class"])
    return classes.groupby(["case", "leg"], sort=False)[list(metrics)].mean().reset_index()


ZERO_VARIANCE_NOTE = "the differences are all equal (zero variance): no t-test"


def significance_mark(p: float) -> str:
    """``"**"`` for p < 0.01, ``"*"`` for p < 0.05, ``""`` otherwise (NaN included)."""
    return "**" if p < 0.01 else "*" if p < 0.05 else ""


def paired_t_test(reference: np.ndarray, other: np.ndarray) -> dict[str, int | float | str]:
    """Paired Student t-test (``scipy.stats.ttest_rel``) of ``other - reference``, both ``(n,)``.

    Returns:
        ``n``, ``mean_difference``, ``t``, ``p``, ``mark`` (:func:`significance_mark`) and ``note``: fewer
        than two pairs, or differences that are all equal, leave ``t`` and ``p`` NaN and say why in ``note``.

    Raises:
        ValueError: If the arrays differ in length.
    """
    reference, other = np.asarray(reference, float), np.asarray(other, float)
    if reference.shape != other.shape:
        raise ValueError(f"paired arrays differ in shape: {reference.shape} and {other.shape}")
    differences = other - reference
    n = differences.size
    mean = float(differences.mean()) if n else math.nan
    test = {"n": n, "mean_difference": mean, "t": math.nan, "p": math.nan, "mark": "", "note": ""}
    if n < 2:
        test["note"] = f"only {n} pair{'' if n == 1 else 's'}: a t-test needs at least 2"
    elif float(differences.std(ddof=1)) <= 1e-12 * max(1.0, float(np.abs(differences).max())):
        test["note"] = ZERO_VARIANCE_NOTE
    else:
        result = stats.ttest_rel(other, reference)
        p = float(result.pvalue)
        test |= {"t": float(result.statistic), "p": p, "mark": significance_mark(p)}
    return test


def better_configuration(mean_difference: float, reference: str, other: str, higher_is_better: bool) -> str:
    """The configuration with the better mean over the pairs (of ``other - reference``); "" for a tie or NaN."""
    if math.isnan(mean_difference) or mean_difference == 0:
        return ""
    return other if (mean_difference > 0) == higher_is_better else reference
