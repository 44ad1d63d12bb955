"""Descriptive statistics of a metric over legs, ignoring undefined (NaN) values.

Example:
    >>> describe([0.8, 0.9, float("nan"), 1.0])["n"], round(describe([0.8, 0.9, 1.0])["sd"], 3)
    (3, 0.1)
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

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
