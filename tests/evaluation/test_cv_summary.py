"""``thigh_evaluate --cv``: the validation Dice of every fold in one table, from fake fold summaries."""

import json
import logging

import pandas as pd
import pytest

from thigh_common.labels import LABELS, MUSCLE_LABELS
from thigh_evaluation.cli import main

MUSCLES = [LABELS[label] for label in MUSCLE_LABELS]


def _leg(value, absent=()):
    """The ``dice`` of one leg: ``value`` for every muscle, null for the absent ones."""
    return {"dice": {m: (None if m in absent else value) for m in MUSCLES},
            "dice_before_postprocessing": dict.fromkeys(MUSCLES, 0.0)}  # fmt: skip


def _write_fold(configuration, fold, legs, splits=5):
    folder = configuration / f"fold_{fold}"
    (folder / "validation").mkdir(parents=True)
    (folder / "splits.json").write_text(json.dumps([{"train": [], "val": []}] * splits))
    content = {
        "configuration": configuration.name,
        "fold": f"fold_{fold}",
        "num_legs": len(legs),
        "legs": legs,
    }
    (folder / "validation" / "summary.json").write_text(json.dumps(content))


@pytest.fixture
def results(tmp_path):
    """THIGH_RESULTS with Demo/2d5 folds 0 and 2 validated, fold 1 still training, 3 and 4 not started."""
    root = tmp_path / "results"
    configuration = root / "Demo" / "2d5"
    _write_fold(configuration, 0, {"a_left": _leg(0.8), "a_right": _leg(0.6, absent=("gracilis",))})
    _write_fold(configuration, 2, {"b_left": _leg(0.5)})
    (configuration / "fold_1" / "axial").mkdir(parents=True)
    (configuration / "fold_all").mkdir()
    (root / "Demo" / "3d").mkdir()
    return root


def test_one_row_per_fold_and_the_pooled_legs(results, caplog, capsys):
    with caplog.at_level(logging.WARNING):
        assert main(["--cv", "-d", "Demo", "--results", str(results)]) == 0
    folder = results / "Demo" / "2d5"
    table = pd.read_csv(folder / "cv_summary.csv", dtype={"fold": str})
    assert list(table.columns) == ["fold", "legs", *MUSCLES, "mean"]
    assert list(table["fold"]) == ["0", "2", "all"]
    assert list(table["legs"]) == [2, 1, 3]
    rows = table.set_index("fold")
    assert rows.loc["0", "sartorius"] == pytest.approx(0.7)
    assert rows.loc["0", "gracilis"] == pytest.approx(0.8)  # the null Dice of a_right is left out
    assert rows.loc["0", "mean"] == pytest.approx((9 * 0.7 + 0.8) / 10)
    assert rows.loc["2", "mean"] == pytest.approx(0.5)
    assert rows.loc["all", "sartorius"] == pytest.approx((0.8 + 0.6 + 0.5) / 3)
    assert rows.loc["all", "gracilis"] == pytest.approx((0.8 + 0.5) / 2)
    assert (
        "Demo 2d5: validation summaries of fold(s) 0, 2 of 5 planned; missing: 1, 3, 4; the table covers only "
        "the folds found"
    ) in caplog.text
    markdown = (folder / "cv_summary.md").read_text()
    assert markdown.startswith("# Cross-validation of Demo, configuration 2d5\n")
    assert "Validation summaries found: fold(s) 0, 2 of 5 planned; missing: 1, 3, 4." in markdown
    assert "| all | 3 | 0.633 |" in markdown
    assert "| all | 3 | 0.633 |" in capsys.readouterr().out


def test_output_folder_and_thigh_results(results, tmp_path, monkeypatch):
    monkeypatch.setenv("THIGH_RESULTS", str(results))
    out = tmp_path / "cv"
    assert main(["--cv", "-d", "Demo", "-c", "2d5", "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["cv_summary.csv", "cv_summary.md"]
    assert not (results / "Demo" / "2d5" / "cv_summary.csv").exists()


def test_all_planned_folds_found_gives_no_warning(tmp_path, caplog):
    configuration = tmp_path / "Demo" / "2d"
    for fold in range(2):
        _write_fold(configuration, fold, {f"c{fold}_left": _leg(0.9)}, splits=2)
    with caplog.at_level(logging.WARNING):
        assert main(["--cv", "-d", "Demo", "-c", "2d", "--results", str(tmp_path)]) == 0
    assert "missing" not in caplog.text
    assert "of 2 planned" in (configuration / "cv_summary.md").read_text()


def test_no_validated_fold_is_an_error(results, caplog):
    assert main(["--cv", "-d", "Demo", "-c", "3d", "--results", str(results)]) == 2
    assert (
        f"no fold of {results / 'Demo' / '3d'} has a validation summary (fold_N/validation/summary.json, written "
        "when thigh_train finishes a fold); fold folders: none. Train the folds first (thigh_train 3d FOLD -d Demo)"
    ) in caplog.text


def test_unknown_dataset_and_configuration_name_what_exists(results, caplog):
    assert main(["--cv", "-d", "Other", "--results", str(results)]) == 2
    assert (
        f"no results of dataset 'Other' in {results}: datasets there: Demo (set THIGH_RESULTS or pass --results)"
    ) in caplog.text
    assert main(["--cv", "-d", "Demo", "-c", "2d", "--results", str(results)]) == 2
    assert (
        f"no 2d results of dataset 'Demo': {results / 'Demo' / '2d'} is not a folder; configurations trained: 2d5, 3d "
        "(choose one with -c)"
    ) in caplog.text


def test_unreadable_fold_summaries_are_named(results, caplog):
    summary = results / "Demo" / "2d5" / "fold_2" / "validation" / "summary.json"
    summary.write_text("{")
    assert main(["--cv", "-d", "Demo", "--results", str(results)]) == 2
    assert f"{summary}: not valid JSON at line 1, column 2" in caplog.text
    summary.write_text(json.dumps({"mean_dice": 0.5}))
    assert main(["--cv", "-d", "Demo", "--results", str(results)]) == 2
    assert (
        f"{summary}: expected a thigh_train validation summary with per-leg Dice under 'legs' -> LEG -> 'dice'; "
        "the file does not have them"
    ) in caplog.text
