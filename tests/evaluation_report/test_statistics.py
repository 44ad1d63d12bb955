"""Statistics of the report: from summary.json when it matches metrics.csv, else computed."""

from __future__ import annotations

import json
import logging
import math

import pandas as pd
import pytest

from thigh_evaluation.report.evaluation import (
    case_statistics,
    read_metrics,
    read_summary,
    structure_statistics,
)


@pytest.fixture
def evaluation(make_inputs):
    inputs = make_inputs()
    return read_metrics(inputs.evaluation / "metrics.csv"), inputs.evaluation / "summary.json"


def _by_name(rows):
    return {(row.kind, row.structure): row for row in rows}


def test_statistics_come_from_summary_json_when_it_matches(evaluation):
    frame, path = evaluation
    rows = structure_statistics(frame, read_summary(path))
    assert [row.kind for row in rows] == ["class"] * 10 + ["group"] * 4 + ["all"]
    assert [row.label for row in rows[:10]] == list(range(1, 11))
    assert {row.source for row in rows} == {"summary.json"}
    computed = _by_name(structure_statistics(frame, None))
    for row in rows:
        other = computed[(row.kind, row.structure)]
        assert other.source == "metrics.csv"
        assert row.metrics["dice"]["mean"] == pytest.approx(other.metrics["dice"]["mean"], abs=1e-6)


def test_the_means_are_those_of_pandas(evaluation):
    frame, _ = evaluation
    rows = _by_name(structure_statistics(frame, None))
    expected = (
        frame[frame["kind"] == "class"].groupby("structure")[["dice", "asd_mm"]].agg(["mean", "std", "count"])
    )
    for structure, values in expected.iterrows():
        statistics = rows[("class", structure)].metrics
        assert statistics["dice"]["mean"] == pytest.approx(values[("dice", "mean")])
        assert statistics["dice"]["sd"] == pytest.approx(values[("dice", "std")])
        assert statistics["asd_mm"]["n"] == values[("asd_mm", "count")]


def test_summary_json_of_another_run_is_not_used(evaluation, tmp_path, caplog):
    frame, path = evaluation
    summary = json.loads(path.read_text())
    summary["per_class"]["adductors"]["metrics"]["dice"]["mean"] = 0.123
    with caplog.at_level(logging.WARNING):
        rows = _by_name(structure_statistics(frame, summary))
    assert "summary.json disagrees with metrics.csv for class adductors" in caplog.text
    adductors = rows[("class", "adductors")]
    assert adductors.source == "metrics.csv"
    assert adductors.metrics["dice"]["mean"] == pytest.approx(
        frame[(frame["structure"] == "adductors") & (frame["kind"] == "class")]["dice"].mean()
    )
    assert rows[("class", "gracilis")].source == "summary.json"


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
def test_an_unreadable_summary_json_falls_back_to_metrics_csv(tmp_path, caplog, content):
    path = tmp_path / "summary.json"
    path.write_text(content)
    with caplog.at_level(logging.WARNING):
        assert read_summary(path) is None
    assert "statistics are computed from metrics.csv" in caplog.text


def test_a_summary_json_with_other_keys_falls_back_to_metrics_csv(evaluation):
    frame, _ = evaluation
    summary = {"per_class": {"sartorius": {"stats": {}}}, "overall": {"metrics": {"dice": {"mean": 0.5}}}}
    rows = structure_statistics(frame, summary)
    assert {row.source for row in rows} == {"metrics.csv"}
    assert not math.isnan(rows[-1].metrics["dice"]["mean"])


def test_case_statistics_average_the_per_leg_means():
    frame = pd.DataFrame({
        "case": ["a", "a", "a", "a", "b"],
        "leg": ["left", "left", "right", "right", "left"],
        "kind": ["class"] * 5,
        "structure": ["sartorius", "gracilis"] * 2 + ["sartorius"],
        "status": ["present", "missing_in_prediction", "present", "present", "present"],
        "dice": [0.8, 0.0, 0.6, float("nan"), 0.9],
        "asd_mm": [1.0, float("nan"), 3.0, 5.0, 2.0],
    })  # fmt: skip
    cases = case_statistics(frame).set_index("case")
    assert cases.loc["a", "legs"] == 2
    assert cases.loc["a", "dice"] == pytest.approx((0.4 + 0.6) / 2)
    assert cases.loc["a", "asd_mm"] == pytest.approx((1.0 + 4.0) / 2)
    assert cases.loc["a", "missing_in_prediction"] == 1
    assert cases.loc["b", "missing_in_prediction"] == 0


def test_rows_of_structures_absent_from_both_maps_never_count(evaluation):
    frame, _ = evaluation
    frame = frame.copy()
    absent = frame["status"] == "absent_in_both"
    assert absent.any()
    frame.loc[absent, "dice"] = 1.0  # whatever a tool writes there
    rows = _by_name(structure_statistics(frame, None))
    sartorius = frame[(frame["kind"] == "class") & (frame["structure"] == "sartorius") & ~absent]["dice"]
    assert rows[("class", "sartorius")].metrics["dice"]["n"] == 3
    assert rows[("class", "sartorius")].metrics["dice"]["mean"] == pytest.approx(sartorius.mean())
