"""``compare`` on the fake evaluations of conftest: p-values, marks, tables and figure."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from matplotlib import image
from scipy import stats

from thigh_common.labels import LABEL_GROUPS, LABELS, MUSCLE_LABELS
from thigh_evaluation.comparison import compare, observation_frame
from thigh_evaluation.comparison.tables import check_overlap

SUMMARY_COLUMNS = ["metric", "structure", "kind", "configuration", "mean", "sd", "median", "q25", "q75", "n"]
TTEST_COLUMNS = ["metric", "structure", "kind", "reference", "other", "n", "mean_difference", "t", "p",
                 "mark", "better", "note"]  # fmt: skip


@pytest.fixture(scope="module")
def result(evaluations, tmp_path_factory):
    return compare(evaluations, tmp_path_factory.mktemp("comparison"))


def per_leg(frame: pd.DataFrame, kind: str, structure: str, metric: str) -> dict[tuple[str, str], float]:
    """Values by (case, leg), computed here independently of the package."""
    if kind == "all":
        classes = frame[frame["kind"] == "class"]
        return {
            key: float(np.nanmean(rows[metric])) if rows[metric].notna().any() else np.nan
            for key, rows in classes.groupby(["case", "leg"])
        }
    rows = frame[(frame["kind"] == kind) & (frame["structure"] == structure)]
    return {(row.case, row.leg): getattr(row, metric) for row in rows.itertuples()}


def scipy_test(frames, reference, other, kind, structure, metric):
    left = per_leg(frames[reference], kind, structure, metric)
    right = per_leg(frames[other], kind, structure, metric)
    keys = [key for key in left if key in right and not np.isnan(left[key]) and not np.isnan(right[key])]
    a = np.array([left[key] for key in keys])
    b = np.array([right[key] for key in keys])
    return len(keys), a, b


def test_reference_defaults_to_2d5_and_every_test_matches_scipy(result, frames):
    assert result.reference == "2d5"
    assert result.configurations == ("2d", "2d5", "3d")
    assert result.legs == {"2d": 10, "2d5": 10, "3d": 9}
    tests = pd.read_csv(result.tests_path)
    tests[["mark", "better", "note"]] = tests[["mark", "better", "note"]].fillna("")
    assert list(tests.columns) == TTEST_COLUMNS
    # 10 classes + 4 groups + all classes, 2 metrics, 2 other configurations
    assert len(tests) == 15 * 2 * 2
    assert set(tests["reference"]) == {"2d5"} and set(tests["other"]) == {"2d", "3d"}
    for row in tests.itertuples():
        n, reference, other = scipy_test(frames, "2d5", row.other, row.kind, row.structure, row.metric)
        assert row.n == n, row
        if row.note:
            assert np.isnan(row.p) and np.ptp(other - reference) < 1e-12
            continue
        expected = stats.ttest_rel(other, reference)
        assert row.p == pytest.approx(expected.pvalue, rel=1e-9), row
        assert row.t == pytest.approx(expected.statistic, rel=1e-9), row
        assert row.mark == ("**" if row.p < 0.01 else "*" if row.p < 0.05 else ""), row


def test_known_marks_and_p_values(result):
    tests = result.tests.set_index(["metric", "kind", "structure", "other"])
    sartorius = tests.loc[("dice", "class", "sartorius", "2d")]
    assert sartorius["n"] == 10
    assert sartorius["t"] == pytest.approx(-6.0)
    assert sartorius["p"] == pytest.approx(2.025e-4, rel=1e-3)
    assert sartorius["mark"] == "**" and sartorius["better"] == "2d5"
    assert sartorius["mean_difference"] == pytest.approx(-0.04)
    rectus = tests.loc[("dice", "class", "rectus_femoris", "2d")]
    assert rectus["t"] == pytest.approx(-2.7)
    assert rectus["p"] == pytest.approx(0.02439, rel=1e-3)
    assert rectus["mark"] == "*" and rectus["better"] == "2d5"
    lateralis = tests.loc[("dice", "class", "vastus_lateralis", "2d")]
    assert lateralis["p"] == pytest.approx(0.3434, rel=1e-3) and lateralis["mark"] == ""
    asd = tests.loc[("asd_mm", "class", "sartorius", "2d")]
    assert asd["t"] == pytest.approx(6.0) and asd["mark"] == "**" and asd["better"] == "2d5"
    intermedius = tests.loc[("dice", "class", "vastus_intermedius", "3d")]
    assert intermedius["n"] == 9 and intermedius["mark"] == "**" and intermedius["better"] == "3d"
    # gracilis: absent from both maps in one leg; missing in 2d's prediction in another (Dice 0, ASD NaN)
    assert tests.loc[("dice", "class", "gracilis", "2d"), "n"] == 9
    assert tests.loc[("asd_mm", "class", "gracilis", "2d"), "n"] == 8
    medialis = tests.loc[("dice", "class", "vastus_medialis", "3d")]
    assert np.isnan(medialis["p"]) and medialis["mark"] == "" and "zero variance" in medialis["note"]
    assert tests.loc[("dice", "all", "all_classes", "2d"), "mark"] == "*"
    assert tests.loc[("asd_mm", "all", "all_classes", "2d"), "mark"] == "**"


def test_summary_csv_is_tidy(result, frames):
    summary = pd.read_csv(result.summary_path)
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert len(summary) == 2 * 15 * 3
    row = summary[(summary["metric"] == "dice") & (summary["structure"] == "sartorius")
                  & (summary["kind"] == "class") & (summary["configuration"] == "2d")].iloc[0]  # fmt: skip
    values = frames["2d"].query("kind == 'class' and structure == 'sartorius'")["dice"]
    assert row["n"] == 10
    assert row["mean"] == pytest.approx(values.mean())
    assert row["sd"] == pytest.approx(values.std(ddof=1))
    assert row["median"] == pytest.approx(values.median())
    gracilis = summary[(summary["structure"] == "gracilis") & (summary["configuration"] == "2d")]
    assert gracilis.set_index("metric")["n"].to_dict() == {"dice": 9, "asd_mm": 8}
    assert set(summary["kind"]) == {"class", "group", "all"}


def test_markdown_has_every_row_marks_and_the_figure(result):
    text = result.markdown_path.read_text()
    assert "Reference: **2d5**" in text
    assert "2d (10 legs), 2d5 (10 legs), 3d (9 legs)" in text
    assert "scipy.stats.ttest_rel" in text and "`*` p < 0.05, `**` p < 0.01" in text
    assert "![Box plots per class and over all classes](comparison.png)" in text
    assert "## DSC" in text and "## ASD (mm)" in text
    dice = text.split("## DSC")[1].split("## ASD")[0]
    assert "| structure | 2d | 2d5 | 3d | p 2d vs 2d5 | p 3d vs 2d5 |" in dice
    rows = {line.split(" | ")[0].strip("| "): line for line in dice.splitlines() if line.startswith("| ")}
    for label in MUSCLE_LABELS:
        assert LABELS[label].replace("_", " ") in rows
    for group in LABEL_GROUPS:
        assert f"{group.replace('_', ' ')} (group)" in rows
    assert "all classes" in rows
    cells = rows["sartorius"].split(" | ")
    assert cells[4] == "2.0e-04 ** (2d5)"
    assert rows["rectus femoris"].split(" | ")[4] == "0.024 * (2d5)"
    assert "*" not in rows["vastus lateralis"].split(" | ")[4]
    assert rows["vastus intermedius"].split(" | ")[5].endswith("** (3d) |")
    assert rows["vastus medialis"].split(" | ")[5] == "n/a |"
    assert "- vastus medialis, 3d vs 2d5: the differences are all equal" in dice
    assert cells[1].count(" ± ") == 1 and len(cells[1].split(" ± ")[0].split(".")[1]) == 3


def test_figure_is_a_sizeable_png(result):
    assert result.figure_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = image.imread(result.figure_path)
    height, width = pixels.shape[:2]
    assert width >= 1000 and height >= 800
    assert pixels[..., :3].std() > 0.05  # not blank


def test_warns_about_observations_missing_in_one_configuration(frames, caplog):
    observations = {name: observation_frame(frame, ["dice"]) for name, frame in frames.items()}
    with caplog.at_level(logging.WARNING):
        check_overlap(observations, "2d5")
    assert (
        "3d has 0 observation(s) (case, leg, structure) that 2d5 lacks, and lacks 14 of 2d5's" in caplog.text
    )
    assert "2d has" not in caplog.text


def test_explicit_reference_and_metrics(evaluations, tmp_path):
    result = compare(evaluations, tmp_path, reference="2d", metrics=["hd95_mm"])
    assert set(result.tests["reference"]) == {"2d"} and set(result.tests["other"]) == {"2d5", "3d"}
    assert set(result.tests["metric"]) == {"hd95_mm"}
    assert "## HD95 (mm)" in result.markdown_path.read_text()
    sartorius = result.tests.set_index(["kind", "structure", "other"]).loc[("class", "sartorius", "2d5")]
    assert sartorius["mark"] == "**" and sartorius["better"] == "2d5"
