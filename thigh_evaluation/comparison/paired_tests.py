"""The table of paired t-tests: each metric and structure, each configuration against the reference.

Example:
    >>> tests = ttest_table(observations, "2d5", ["dice"])  # doctest: +SKIP
    >>> tests.loc[tests["structure"] == "all_classes", ["other", "p", "mark", "better"]]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from thigh_evaluation.comparison.descriptive import compared_structures
from thigh_evaluation.comparison.metric_specs import METRICS
from thigh_evaluation.comparison.pairing import paired_values
from thigh_evaluation.comparison.statistics import better_configuration, paired_t_test

TTEST_COLUMNS: tuple[str, ...] = (
    "metric",
    "structure",
    "kind",
    "reference",
    "other",
    "n",
    "mean_difference",
    "t",
    "p",
    "mark",
    "better",
    "note",
)


def ttest_table(
    observations: Mapping[str, pd.DataFrame], reference: str, metrics: Sequence[str]
) -> pd.DataFrame:
    """Paired t-tests of every other configuration against ``reference``.

    ``mean_difference`` and ``t`` are of ``other - reference``; ``better`` names the
    configuration with the better mean over the pairs (higher Dice, lower distance);
    ``mark`` is ``*`` (p < 0.05), ``**`` (p < 0.01) or empty; ``note`` says why a test
    could not be done.

    Args:
        observations: Observation frames by configuration name.
        reference: Name of the reference configuration (a key of ``observations``).
        metrics: Metric columns, e.g. ``["dice", "asd_mm"]``.

    Returns:
        A frame with :data:`TTEST_COLUMNS`.
    """
    rows = []
    for metric in metrics:
        higher_is_better = METRICS[metric].higher_is_better
        for structure in compared_structures(observations):
            for other, frame in observations.items():
                if other == reference:
                    continue
                reference_values, other_values = paired_values(
                    observations[reference], frame, structure, metric
                )
                test = paired_t_test(reference_values, other_values)
                rows.append(
                    {
                        "metric": metric,
                        "structure": structure[1],
                        "kind": structure[0],
                        "reference": reference,
                        "other": other,
                        "n": test.n,
                        "mean_difference": test.mean_difference,
                        "t": test.t,
                        "p": test.p,
                        "mark": test.mark,
                        "better": better_configuration(test, reference, other, higher_is_better),
                        "note": test.note,
                    }
                )
    return pd.DataFrame(rows, columns=list(TTEST_COLUMNS))
