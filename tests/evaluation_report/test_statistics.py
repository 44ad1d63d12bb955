"""Statistics of the report, computed from metrics.csv; the cases without a prediction from summary.json."""

from __future__ import annotations

import json
import logging
import math

import pandas as pd
import pytest

from thigh_evaluation.comparison.tables import observation_frame, summary_table
from thigh_evaluation.metrics_table import read_metrics_csv
from thigh_evaluation.report.inputs import read_missing_predictions
from thigh_evaluation.report.page import case_statistics


@pytest.fixture
def evaluation(make_inputs):
    inputs = make_inputs()
    return read_metrics_csv(inputs.evaluation / "metrics.csv"), inputs.evaluation / "summary.json"


def structure_statistics(frame):
    """The report's statistics (those of thigh_compare for one configuration): per structure and metric."""
    table = summary_table({"2d5": observation_frame(frame, ("dice", "asd_mm"))}, ("dice", "asd_mm"))
    rows = {}
    for row in table.to_dict("records"):
        rows.setdefault((row["kind"], row["structure"]), {})[row["metric"]] = row
    return rows


def test_statistics_agree_with_the_summary_json_of_the_same_run(evaluation):
    frame, path = evaluation
    rows = structure_statistics(frame)
    assert [kind for kind, _ in rows] == ["class"] * 10 + ["group"] * 4 + ["all"]
    summary = json.loads(path.read_text())
    for (kind, structure), metrics in rows.items():
        section = (
            summary["overall"]
            if kind == "all"
            else summary[{"class": "per_class", "group": "groups"}[kind]][structure]
        )
        assert metrics["dice"]["mean"] == pytest.approx(section["metrics"]["dice"]["mean"], abs=1e-6)


def test_the_means_are_those_of_pandas(evaluation):
    frame, _ = evaluation
    rows = structure_statistics(frame)
    expected = (
        frame[frame["kind"] == "class"].groupby("structure")[["dice", "asd_mm"]].agg(["mean", "std", "count"])
    )
    for structure, values in expected.iterrows():
        statistics = rows[("class", structure)]
        assert statistics["dice"]["mean"] == pytest.approx(values[("dice", "mean")])
        assert statistics["dice"]["sd"] == pytest.approx(values[("dice", "std")])
        assert statistics["asd_mm"]["n"] == values[("asd_mm", "count")]
    assert not math.isnan(rows[("all", "all_classes")]["dice"]["mean"])


def test_the_reference_cases_without_a_prediction_come_from_summary_json(evaluation, tmp_path, caplog):
    _, path = evaluation
    assert read_missing_predictions(path) == ()
    with caplog.at_level(logging.WARNING):
        assert read_missing_predictions(tmp_path / "summary.json") == ()
    assert (
        f"{tmp_path} has no summary.json; the reference cases without a prediction are not listed"
        in caplog.text
    )
    other = tmp_path / "summary.json"
    other.write_text(json.dumps({"cases_missing_prediction": ["case_c"]}))
    assert read_missing_predictions(other) == ("case_c",)


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
def test_an_unreadable_summary_json_lists_no_missing_predictions(tmp_path, caplog, content):
    path = tmp_path / "summary.json"
    path.write_text(content)
    with caplog.at_level(logging.WARNING):
        assert read_missing_predictions(path) == ()
    assert "cannot be read" in caplog.text


def test_case_statistics_average_the_per_leg_means():
    frame = pd.DataFrame(
        {
            "case": ["a", "a", "a", "a", "b"],
            "leg": ["left", "left", "right", "right", "left"],
            "kind": ["class"] * 5,
            "structure": ["sartorius", "gracilis"] * 2 + ["sartorius"],
            "status": ["present", "missing_in_prediction", "present", "present", "present"],
            "dice": [0.8, 0.0, 0.6, float("nan"), 0.9],
            "asd_mm": [1.0, float("nan"), 3.0, 5.0, 2.0],
        }
    )
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
    rows = structure_statistics(frame)
    sartorius = frame[(frame["kind"] == "class") & (frame["structure"] == "sartorius") & ~absent]["dice"]
    assert rows[("class", "sartorius")]["dice"]["n"] == 3
    assert rows[("class", "sartorius")]["dice"]["mean"] == pytest.approx(sartorius.mean())


def test_a_muscle_with_dice_zero_counts_as_missed():
    import pandas as pd

    rows = [
        {
            "case": "c",
            "leg": "left",
            "kind": "class",
            "structure": name,
            "status": status,
            "dice": dice,
            "asd_mm": 1.0,
        }
        for name, status, dice in (
            ("sartorius", "present", 0.0),
            ("gracilis", "missing_in_prediction", 0.0),
            ("adductors", "present", 0.9),
            ("rectus_femoris", "present", 0.8),
        )
    ]
    statistics = case_statistics(pd.DataFrame(rows))
    assert int(statistics.loc[0, "missing_in_prediction"]) == 2
