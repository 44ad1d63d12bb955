"""thigh_followup: change per subject, leg and muscle between two runs, with its refusals."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk
from support.condition_cases import condition_case

from thigh_common.errors import InvalidInputError
from thigh_inference.followup.pairing import pairs_by_name, read_pairs
from thigh_inference.followup.run import FollowupOptions, run_followup
from thigh_inference.muscle_table import case_table, left_of_plane, write_case_table
from thigh_inference.run_record import run_record, write_run_record
from thigh_planner.normalisation.midline import MidlinePlane

MIDLINE = MidlinePlane((0.0, 0.0, 0.0), (1.0, 0.0, 0.0))


def _table(case, name):
    """The muscle table of a phantom case measured on its true labels (what a perfect model would give)."""
    image, labels = case.image, case.label
    return case_table(
        sitk.GetArrayFromImage(labels),
        sitk.GetArrayFromImage(image),
        image.GetSpacing(),
        left_of_plane(image, MIDLINE),
        {"left", "right"},
        name,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A baseline and a follow-up run of one phantom subject (atrophy=strong), from the true labels."""
    root = tmp_path_factory.mktemp("followup")
    baseline, later = root / "baseline", root / "later"
    for folder, case in ((baseline, condition_case()), (later, condition_case("atrophy=strong"))):
        folder.mkdir()
        write_case_table(_table(case, "s1"), folder / "s1_muscles.csv")
    return baseline, later


def _volumes(case):
    labels = sitk.GetArrayFromImage(case.label)
    middle = labels.shape[2] // 2  # x grows to the patient's left in the phantom's layout
    voxel_ml = np.prod(case.label.GetSpacing()) / 1000.0
    return {
        side: {label: np.count_nonzero(part == label) * voxel_ml for label in range(1, 11)}
        for side, part in (("right", labels[..., :middle]), ("left", labels[..., middle:]))
    }


def test_the_change_is_the_change_of_the_true_labels(runs, tmp_path):
    baseline, later = runs
    assert run_followup(FollowupOptions(baseline, later, tmp_path)) == 0
    table = pd.read_csv(tmp_path / "followup.csv")
    before, after = _volumes(condition_case()), _volumes(condition_case("atrophy=strong"))
    muscles = table[table["kind"] == "muscle"]
    assert len(muscles) == 20 and muscles["compared"].all()
    for _, row in muscles.iterrows():
        label = int(
            {
                "sartorius": 1,
                "rectus_femoris": 2,
                "vastus_lateralis": 3,
                "vastus_intermedius": 4,
                "vastus_medialis": 5,
                "adductors": 6,
                "gracilis": 7,
                "biceps_femoris": 8,
                "semitendinosus": 9,
                "semimembranosus": 10,
            }[row["structure"]]
        )
        expected = after[row["side"]][label] - before[row["side"]][label]
        assert row["volume_change_ml"] == pytest.approx(expected, abs=0.06)
    total = table[(table["structure"] == "all_muscles") & (table["side"] == "right")].iloc[0]
    assert total["volume_change_percent"] < -10  # strong atrophy
    assert (tmp_path / "s1_change.png").stat().st_size > 10_000
    page = (tmp_path / "followup.md").read_text()
    assert "| s1 |" in page and "1 subject(s) compared, 0 not" in page


def test_a_scan_compared_with_itself_shows_no_change(runs, tmp_path):
    baseline, _ = runs
    assert run_followup(FollowupOptions(baseline, baseline, tmp_path)) == 0
    table = pd.read_csv(tmp_path / "followup.csv")
    assert (table["volume_change_ml"] == 0).all() and (table["fat_fraction_change"] == 0).all()
    assert table["compared"].all() and table["left_out_because"].isna().all()


def test_a_muscle_cut_in_one_scan_is_left_out_with_the_reason(runs, tmp_path):
    baseline, later = runs
    cut = tmp_path / "cut"
    cut.mkdir()
    table = pd.read_csv(later / "s1_muscles.csv")
    table.loc[(table["side"] == "left") & (table["muscle"] == "gracilis"), "partial"] = True
    table.to_csv(cut / "s1_muscles.csv", index=False)
    run_followup(FollowupOptions(baseline, cut, tmp_path / "out"))
    rows = pd.read_csv(tmp_path / "out" / "followup.csv").set_index(["side", "structure"])
    assert (
        rows.loc[("left", "gracilis"), "left_out_because"] == "cut by the field of view in the follow-up scan"
    )
    assert rows.loc[("left", "medial_compartment"), "left_out_because"] == "gracilis left out"
    assert np.isnan(rows.loc[("left", "medial_compartment"), "volume_change_percent"])
    assert rows.loc[("right", "gracilis"), "compared"]
    assert "left gracilis: cut by the field of view" in (tmp_path / "out" / "followup.md").read_text()


def test_subjects_with_one_scan_or_missing_cases_are_reported_and_the_others_compared(runs, tmp_path, caplog):
    baseline, later = runs
    (tmp_path / "b").mkdir()
    (tmp_path / "f").mkdir()
    for name in ("s1", "s2"):
        (tmp_path / "b" / f"{name}_muscles.csv").write_bytes((baseline / "s1_muscles.csv").read_bytes())
    (tmp_path / "f" / "s1_muscles.csv").write_bytes((later / "s1_muscles.csv").read_bytes())
    with caplog.at_level(logging.WARNING):
        assert run_followup(FollowupOptions(tmp_path / "b", tmp_path / "f", tmp_path / "out")) == 1
    assert "only a baseline scan (s2)" in caplog.text
    assert set(pd.read_csv(tmp_path / "out" / "followup.csv")["subject"]) == {"s1"}
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "subject,baseline,followup,baseline_date,followup_date\nA,s1,s1,2024-01-10,2025-01-09\nB,s2,s9,,\n"
    )
    assert run_followup(FollowupOptions(tmp_path / "b", tmp_path / "f", tmp_path / "out2", pairs)) == 1
    table = pd.read_csv(tmp_path / "out2" / "followup.csv")
    assert set(table["subject"]) == {"A"} and (table["interval_days"] == 365).all()
    assert "B: follow-up case 's9' is not in" in (tmp_path / "out2" / "followup.md").read_text()


def test_scans_of_different_patients_are_refused_for_that_subject(runs, tmp_path):
    baseline, later = runs
    for folder, patient in ((tmp_path / "b", "P1"), (tmp_path / "f", "P2")):
        folder.mkdir()
        table = pd.read_csv((baseline if patient == "P1" else later) / "s1_muscles.csv").assign(
            patient_id=patient
        )
        table.to_csv(folder / "s1_muscles.csv", index=False)
    assert run_followup(FollowupOptions(tmp_path / "b", tmp_path / "f", tmp_path / "out")) == 1
    assert (
        "different patients (PatientID 'P1' in s1, 'P2' in s1)"
        in (tmp_path / "out" / "followup.md").read_text()
    )


def test_the_interval_comes_from_the_scans_study_dates_unless_the_pairing_gives_it(runs, tmp_path):
    baseline, later = runs
    for folder, source, date in (
        (tmp_path / "b", baseline, "2023-03-01"),
        (tmp_path / "f", later, "2024-02-27"),
    ):
        folder.mkdir()
        table = pd.read_csv(source / "s1_muscles.csv").assign(patient_id="P1", study_date=date)
        table.to_csv(folder / "s1_muscles.csv", index=False)
    assert run_followup(FollowupOptions(tmp_path / "b", tmp_path / "f", tmp_path / "out")) == 0
    assert (pd.read_csv(tmp_path / "out" / "followup.csv")["interval_days"] == 363).all()
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("subject,baseline,followup,baseline_date,followup_date\nA,s1,s1,2023-03-01,2023-04-01\n")
    assert run_followup(FollowupOptions(tmp_path / "b", tmp_path / "f", tmp_path / "out2", pairs)) == 0
    assert (pd.read_csv(tmp_path / "out2" / "followup.csv")["interval_days"] == 31).all()


def test_runs_of_different_models_are_refused(runs, tmp_path):
    baseline, later = runs
    model = {
        "folder": "m",
        "configuration": "2d5",
        "folds": ["fold_0"],
        "plans_sha1": "a",
        "weights_sha256": {"x": "1"},
    }
    for folder, weights in ((tmp_path / "b", "1"), (tmp_path / "f", "2")):
        folder.mkdir()
        (folder / "s1_muscles.csv").write_bytes((baseline / "s1_muscles.csv").read_bytes())
        write_run_record(folder, run_record(dict(model, weights_sha256={"x": weights})))
    with pytest.raises(InvalidInputError, match="cannot be compared: they were made by different models"):
        run_followup(FollowupOptions(tmp_path / "b", tmp_path / "f", tmp_path / "out"))
    assert not (tmp_path / "out").exists()
    record = json.loads((tmp_path / "f" / "prediction.json").read_text())
    record["labels"] = {"background": 0}
    (tmp_path / "f" / "prediction.json").write_text(json.dumps(record))
    with pytest.raises(InvalidInputError, match="different label tables"):
        run_followup(FollowupOptions(tmp_path / "b", tmp_path / "f", tmp_path / "out"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("subject,baseline\nA,s1\n", "missing column(s) followup"),
        ("subject,baseline,followup\nA,s1,s1\nA,s2,s2\n", "subject 'A' is listed twice"),
        (
            "subject,baseline,followup,baseline_date\nA,s1,s1,10.01.2024\n",
            "date '10.01.2024' is not YYYY-MM-DD",
        ),
        ("subject,baseline,followup\nA,,s1\n", "subject, baseline and followup must all be given"),
    ],
)
def test_bad_pairing_files_are_refused_with_their_line(tmp_path, content, message):
    path = tmp_path / "pairs.csv"
    path.write_text(content)
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_pairs(path)


def test_pairing_by_name():
    pairs, problems = pairs_by_name({"a", "b"}, {"b", "c"})
    assert [p.subject for p in pairs] == ["b"] and set(problems) == {"a", "c"}


def test_the_command_compares_two_runs_and_names_a_bad_pairing(runs, tmp_path):
    from support.commands import run_main

    from thigh_inference.followup.cli import main

    baseline, later = runs
    done = run_main(main, "--baseline", baseline, "--followup", later, "-o", tmp_path / "out")
    assert done.returncode == 0 and (tmp_path / "out" / "followup.csv").is_file()
    (tmp_path / "pairs.csv").write_text("subject,baseline\nA,s1\n")
    bad = run_main(
        main,
        "--baseline",
        baseline,
        "--followup",
        later,
        "-o",
        tmp_path / "o2",
        "--pairs",
        tmp_path / "pairs.csv",
    )
    assert bad.returncode == 2 and "missing column(s) followup" in bad.stderr


def test_the_page_shows_each_subject_figure_and_the_muscles_to_check(runs, tmp_path):
    baseline, later = runs
    (tmp_path / "b").mkdir()
    table = pd.read_csv(baseline / "s1_muscles.csv").assign(qc="ok", qc_reason="")
    flagged = (table["side"] == "left") & (table["muscle"] == "gracilis")
    table.loc[flagged, ["qc", "qc_reason"]] = ["check", "orientations disagree (Dice 0.44)"]
    table.to_csv(tmp_path / "b" / "s1_muscles.csv", index=False)
    assert run_followup(FollowupOptions(tmp_path / "b", later, tmp_path / "out")) == 0
    page = (tmp_path / "out" / "followup.md").read_text()
    assert "![relative volume change per muscle and group of s1](s1_change.png)" in page
    assert "Quality flags: check left gracilis (baseline) before trusting their change" in page
    rows = pd.read_csv(tmp_path / "out" / "followup.csv").set_index(["side", "structure"])
    assert rows.loc[("left", "gracilis"), "qc_baseline"] == "check"
    assert rows.loc[("left", "medial_compartment"), "qc_baseline"] == "check"  # a group with a flagged muscle
    unflagged = run_followup(FollowupOptions(baseline, later, tmp_path / "plain"))
    assert unflagged == 0 and "Quality flags: check" not in (tmp_path / "plain" / "followup.md").read_text()
