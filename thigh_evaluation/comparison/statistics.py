"""The paired Student t-test of the paper, with its significance marks.

Descriptive statistics come from :func:`thigh_evaluation.statistics.describe`.

Example:
    >>> import numpy as np
    >>> reference = np.array([0.80, 0.82, 0.79, 0.85, 0.81])
    >>> test = paired_t_test(reference, np.array([0.85, 0.86, 0.86, 0.88, 0.85]))
    >>> test.n, round(test.mean_difference, 3), round(test.p, 4), test.mark
    (5, 0.046, 0.0025, '**')
    >>> paired_t_test(np.array([0.8]), np.array([0.9])).note
    'only 1 pair: a t-test needs at least 2'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

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
