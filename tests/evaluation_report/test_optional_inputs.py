"""Optional inputs and their variants: no status column, the fold's validation summary, training.json."""

from __future__ import annotations

import json
import logging

import pandas as pd
import pytest

from thigh_evaluation.report import build_report

NO_VALIDATION = "The fold has no validation summary (a model trained on every case, fold all)."


def _page(inputs, tmp_path) -> str:
    build_report(inputs.predictions, inputs.evaluation, inputs.model_fold, tmp_path / "report")
    return (tmp_path / "report" / "index.md").read_text()


def test_without_a_status_column_the_case_table_has_no_column_of_missed_muscles(make_inputs, tmp_path):
    inputs = make_inputs()
    metrics = inputs.evaluation / "metrics.csv"
    frame = pd.read_csv(metrics, dtype=str, keep_default_na=False)
    frame.drop(columns="status").to_csv(metrics, index=False)
    lines = _page(inputs, tmp_path).splitlines()
    header = lines.index("| case | legs | mean Dice | mean ASD (mm) | muscle table | overlay |")
    assert lines[header + 1] == "| --- | ---: | ---: | ---: | --- | --- |"
    row = [cell.strip() for cell in lines[header + 3].strip("|").split("|")]
    assert row[0] == "case_b" and len(row) == 6
    assert row[4:] == ["[muscles](tables/case_b_muscles.csv)", "[overlay](overlays/case_b_overlay.png)"]


@pytest.mark.parametrize(
    ("content", "line", "warning"),
    [
        ('{"num_legs": 4, "mean_dice": 0.61}', "Validation of fold_0 after training (4 legs), ", None),
        ('{"mean_dice": 0.61}', "Validation of fold_0 after training, the networks combined ", None),
        ('{"num_legs": true, "mean_dice": 0.61}', "Validation of fold_0 after training, the networks ", None),
        ('{"num_legs": 4, "mean_dice": "high"}', NO_VALIDATION, "has no number under 'mean_dice'"),
        ('{"num_legs": 4}', NO_VALIDATION, "has no number under 'mean_dice'"),
        ("{not json", NO_VALIDATION, "cannot be read"),
        ("[0.61]", NO_VALIDATION, "cannot be read (not a JSON object); left out of the report"),
    ],
)
def test_the_folds_validation_summary(make_inputs, tmp_path, caplog, content, line, warning):
    inputs = make_inputs()
    (inputs.model_fold / "validation" / "summary.json").write_text(content)
    with caplog.at_level(logging.WARNING):
        page = _page(inputs, tmp_path)
    assert any(text.startswith(line) for text in page.splitlines()), line
    if line != NO_VALIDATION:
        assert "postprocessed: mean Dice 0.610." in page
    assert warning is None or warning in caplog.text


@pytest.mark.parametrize(
    ("content", "name"),
    [
        ({"options": {"configuration": "3d", "fold": "fold_2", "dataset": "Other"}}, "Other 3d fold_2"),
        ({"options": {"configuration": "2d", "fold": 3}}, "Demo 2d fold_3"),
        ({"options": {"fold": "all", "dataset": ""}}, "Demo 2d5 fold_all"),
        ({"options": {"fold": None, "dataset": "Other"}}, "Other 2d5 fold_0"),
        ({"options": ["not", "a", "mapping"]}, "Demo 2d5 fold_0"),
        ({"network": "axial"}, "Demo 2d5 fold_0"),
        ("{not json", "Demo 2d5 fold_0"),
    ],
)
def test_the_model_is_named_from_training_json_else_from_the_folders(make_inputs, tmp_path, content, name):
    inputs = make_inputs()
    for path in inputs.model_fold.glob("*/training.json"):
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    assert _page(inputs, tmp_path).startswith(f"# thighseg report: {name}\n")


def test_an_unreadable_training_json_gives_a_warning(make_inputs, tmp_path, caplog):
    inputs = make_inputs()
    (inputs.model_fold / "axial" / "training.json").write_text("{not json")
    with caplog.at_level(logging.WARNING):
        assert _page(inputs, tmp_path).startswith("# thighseg report: Demo 2d5 fold_0\n")
    assert "axial/training.json cannot be read" in caplog.text
