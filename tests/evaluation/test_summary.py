"""Statistics over legs and the summary of a metrics table."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thigh_evaluation.case_metrics import STRUCTURES
from thigh_evaluation.metrics_table import (
    METRIC_COLUMNS,
    METRICS_COLUMNS,
    summarise,
    summary_table,
)
from thigh_evaluation.statistics import describe, per_leg_means

NAN = float("nan")


def test_describe_ignores_nan_and_uses_sample_sd():
    stats = describe([1.0, 2.0, NAN, 3.0, 4.0])
    assert stats["n"] == 4
    assert stats["mean"] == 2.5 and stats["median"] == 2.5
    assert stats["sd"] == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    assert (stats["q25"], stats["q75"], stats["iqr"]) == (1.75, 3.25, 1.5)
    single = describe([0.7])
    assert single["n"] == 1 and single["mean"] == 0.7 and math.isnan(single["sd"])
    empty = describe([NAN])
    assert empty["n"] == 0 and all(
        math.isnan(empty[k]) for k in ("mean", "sd", "median", "q25", "q75", "iqr")
    )


def _frame():
    """Two legs; leg A has every class with Dice 0.1 * label, leg B every class Dice 0.5 but 10 absent."""
    rows = []
    for case, leg, dice_of, absent in (
        ("a", "left", lambda label: 0.1 * label, ()),
        ("b", "right", lambda _: 0.5, (10,)),
    ):
        for structure in STRUCTURES:
            is_absent = structure.label in absent
            values = dict.fromkeys(METRIC_COLUMNS, NAN) if is_absent else dict.fromkeys(METRIC_COLUMNS, 1.0)
            status = "absent_in_both" if is_absent else "present"
            if not is_absent:
                values["dice"] = dice_of(structure.label) if structure.label else 0.9
            if is_absent:
                values["volume_ref_ml"] = values["volume_pred_ml"] = 0.0
            rows.append({"case": case, "leg": leg, "kind": structure.kind, "label": structure.label,
                         "structure": structure.name, "status": status, **values})  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(METRICS_COLUMNS))
    frame["label"] = frame["label"].astype("Int64")
    return frame


def test_summary_counts_absent_legs_and_leaves_them_out_of_the_statistics():
    summary = summarise(_frame(), Path("ref"), Path("pred"), ["c"], {})
    semimembranosus = summary["per_class"]["semimembranosus"]
    assert semimembranosus["label"] == 10 and semimembranosus["legs"] == 2
    assert semimembranosus["counts"] == {"present": 1, "absent_in_both": 1, "missing_in_prediction": 0,
                                         "missing_in_reference": 0}  # fmt: skip
    assert semimembranosus["metrics"]["dice"]["n"] == 1 and semimembranosus["metrics"]["dice"]["mean"] == 1.0
    # the volumes (0.0 in an absent row) are left out as well
    assert semimembranosus["metrics"]["volume_ref_ml"]["n"] == 1
    assert summary["absent_in_both"] == {"per_class": {"semimembranosus": ["b/right"]}, "groups": {}}
    assert summary["groups"]["quadriceps"]["labels"] == [2, 3, 4, 5]
    assert summary["num_cases"] == 2 and summary["num_legs"] == 2 and summary["num_reference_cases"] == 3
    assert summary["cases_missing_prediction"] == ["c"]


def test_overall_averages_the_classes_of_each_leg_first():
    frame = _frame()
    per_leg = per_leg_means(frame, METRIC_COLUMNS).set_index("leg")
    assert per_leg.loc["left", "dice"] == pytest.approx(np.mean([0.1 * k for k in range(1, 11)]))
    assert per_leg.loc["right", "dice"] == pytest.approx(0.5)  # nine classes, the absent one left out
    summary = summarise(frame, Path("ref"), Path("pred"), [], {})
    overall = summary["overall"]["metrics"]["dice"]
    assert overall["n"] == 2 and overall["mean"] == pytest.approx((0.55 + 0.5) / 2)


def test_summary_table_has_one_row_per_structure_and_overall():
    summary = summarise(_frame(), Path("ref"), Path("pred"), [], {})
    table = summary_table(summary)
    assert list(table["structure"]) == [s.name for s in STRUCTURES] + ["overall"]
    assert list(table["kind"]) == ["class"] * 10 + ["group"] * 4 + ["overall"]
    assert list(table.columns[:8]) == ["kind", "label", "structure", "legs", "present", "absent_in_both",
                                       "missing_in_prediction", "missing_in_reference"]  # fmt: skip
    for metric in METRIC_COLUMNS:
        for statistic in ("mean", "sd", "median", "q25", "q75", "iqr", "n"):
            assert f"{metric}_{statistic}" in table.columns
    assert table.loc[table["structure"] == "semimembranosus", "absent_in_both"].item() == 1
