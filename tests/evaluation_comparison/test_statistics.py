import math

import numpy as np
import pytest
from scipy import stats

from thigh_evaluation.statistics import (
    ZERO_VARIANCE_NOTE,
    better_configuration,
    describe,
    paired_t_test,
    significance_mark,
)


@pytest.mark.parametrize(
    ("p", "mark"),
    [(0.0001, "**"), (0.0099, "**"), (0.01, "*"), (0.049, "*"), (0.05, ""), (0.7, ""), (math.nan, "")],
)
def test_significance_marks(p, mark):
    assert significance_mark(p) == mark


def test_paired_t_test_matches_scipy_and_the_hand_computed_t():
    rng = np.random.default_rng(0)
    reference = rng.uniform(0.7, 0.9, 10)
    signs = np.array([1.0, -1.0] * 5)
    other = reference + 0.018 + 0.02 * signs  # t = 3 c / a = 2.7 over ten pairs
    test = paired_t_test(reference, other)
    expected = stats.ttest_rel(other, reference)
    assert test["n"] == 10
    assert test["t"] == pytest.approx(2.7)
    assert test["t"] == pytest.approx(expected.statistic)
    assert test["p"] == pytest.approx(expected.pvalue)
    assert test["p"] == pytest.approx(0.0244, abs=1e-4)
    assert test["mark"] == "*"
    assert test["mean_difference"] == pytest.approx(0.018)
    assert test["note"] == ""


@pytest.mark.parametrize(
    ("reference", "other", "n", "note"),
    [
        ([], [], 0, "only 0 pairs: a t-test needs at least 2"),
        ([0.8], [0.9], 1, "only 1 pair: a t-test needs at least 2"),
        ([0.81, 0.83, 0.87, 0.9], [0.82, 0.84, 0.88, 0.91], 4, ZERO_VARIANCE_NOTE),
        ([0.8, 0.9], [0.8, 0.9], 2, ZERO_VARIANCE_NOTE),
    ],
)
def test_no_test_without_two_pairs_or_with_constant_differences(reference, other, n, note):
    test = paired_t_test(np.array(reference), np.array(other))
    assert test["n"] == n
    assert math.isnan(test["p"]) and math.isnan(test["t"])
    assert test["mark"] == ""
    assert test["note"] == note


def test_paired_arrays_must_have_equal_length():
    with pytest.raises(ValueError, match="differ in shape"):
        paired_t_test(np.zeros(3), np.zeros(4))


@pytest.mark.parametrize(
    ("difference", "higher_is_better", "better"),
    [(0.1, True, "2d"), (-0.1, True, "2d5"), (0.1, False, "2d5"), (-0.1, False, "2d"), (0.0, True, "")],
)
def test_better_configuration_follows_the_metric_direction(difference, higher_is_better, better):
    test = paired_t_test(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]) + difference)
    assert better_configuration(test["mean_difference"], "2d5", "2d", higher_is_better) == better


def test_describe_leaves_out_nan():
    statistics = describe(np.array([1.0, 2.0, np.nan, 3.0, 4.0]))
    assert statistics["n"] == 4
    assert statistics["mean"] == pytest.approx(2.5)
    assert statistics["sd"] == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    assert (statistics["q25"], statistics["median"], statistics["q75"]) == pytest.approx((1.75, 2.5, 3.25))
    assert describe(np.array([np.nan]))["n"] == 0
    assert math.isnan(describe(np.array([5.0]))["sd"])
