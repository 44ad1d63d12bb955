"""Inputs a report cannot be made of: each gives one clear message (exit status 2 on the command line)."""

from __future__ import annotations

import logging
import shutil

import pytest

from thigh_common.errors import InvalidInputError
from thigh_evaluation.report import build_report
from thigh_evaluation.report.cli import main


def _no_predictions_folder(inputs):
    shutil.rmtree(inputs.predictions)


def _no_evaluation_folder(inputs):
    shutil.rmtree(inputs.evaluation)


def _no_model_folder(inputs):
    shutil.rmtree(inputs.model_fold)


def _no_label_map(inputs):
    for path in inputs.predictions.glob("*.nii.gz"):
        path.unlink()


def _no_metrics(inputs):
    (inputs.evaluation / "metrics.csv").unlink()


def _empty_metrics(inputs):
    (inputs.evaluation / "metrics.csv").write_text("")


def _metrics_without_asd(inputs):
    (inputs.evaluation / "metrics.csv").write_text(
        "case,leg,kind,structure,dice\nc,left,class,sartorius,0.5\n"
    )


def _metrics_with_text(inputs):
    (inputs.evaluation / "metrics.csv").write_text(
        "case,leg,kind,structure,dice,asd_mm\nc,left,class,sartorius,good,1.0\n"
    )


def _metrics_without_classes(inputs):
    (inputs.evaluation / "metrics.csv").write_text(
        "case,leg,kind,structure,dice,asd_mm\nc,left,group,quadriceps,0.5,1.0\n"
    )


def _no_progress(inputs):
    for path in inputs.model_fold.glob("*/progress.csv"):
        path.unlink()


def _broken_progress(inputs):
    (inputs.model_fold / "axial" / "progress.csv").write_text('epoch,train_loss\n0,"0.5\n')


CASES = [
    (
        _no_predictions_folder,
        r"predictions folder .*pred not found: expected the output folder of thigh_predict",
    ),
    (
        _no_evaluation_folder,
        r"evaluation folder .*eval not found: expected the output folder of thigh_evaluate",
    ),
    (_no_model_folder, r"model fold folder .*fold_0 not found: expected a fold folder of thigh_train"),
    (
        _no_label_map,
        r"predictions folder .*pred holds no label map CASE\.nii\.gz: give the output folder of ",
    ),
    (_no_metrics, r"evaluation folder .*eval has no metrics\.csv: give the output folder of thigh_evaluate"),
    (_empty_metrics, r"metrics\.csv is empty: run thigh_evaluate again"),
    (
        _metrics_without_asd,
        r"metrics\.csv lacks the column\(s\) asd_mm: expected at least .*asd_mm \(the metrics\.csv of thigh_evaluate\)",
    ),
    (_metrics_with_text, r"column dice has 1 non-numeric value\(s\), e\.g\. 'good'"),
    (_metrics_without_classes, r"metrics\.csv has no row of kind 'class'"),
    (
        _no_progress,
        r"model fold folder .*fold_0 holds no training progress: looked for the networks' axial/progress\.csv, "
        r"coronal/progress\.csv, sagittal/progress\.csv, volume/progress\.csv; give a fold folder of thigh_train",
    ),
    (_broken_progress, r"axial/progress\.csv cannot be read as a CSV table"),
]


@pytest.mark.parametrize(("spoil", "message"), CASES, ids=[spoil.__name__.strip("_") for spoil, _ in CASES])
def test_each_unusable_input_has_its_message(make_inputs, tmp_path, spoil, message):
    inputs = make_inputs()
    spoil(inputs)
    with pytest.raises(InvalidInputError, match=message):
        build_report(inputs.predictions, inputs.evaluation, inputs.model_fold, tmp_path / "report")
    assert not (tmp_path / "report" / "index.html").exists()


def test_a_configuration_folder_instead_of_a_fold_names_the_folds(make_inputs, tmp_path):
    inputs = make_inputs()
    configuration = inputs.model_fold.parent
    with pytest.raises(
        InvalidInputError, match=r"holds no training progress: .*; it holds fold_0: give one of them"
    ):
        build_report(inputs.predictions, inputs.evaluation, configuration, tmp_path / "report")


def test_the_report_may_not_be_written_into_an_input_folder(make_inputs):
    inputs = make_inputs()
    with pytest.raises(InvalidInputError, match=r"the report folder .*pred is the predictions folder"):
        build_report(inputs.predictions, inputs.evaluation, inputs.model_fold, inputs.predictions)


def test_the_command_reports_an_error_in_one_line_with_status_2(make_inputs, tmp_path, caplog):
    inputs = make_inputs()
    (inputs.evaluation / "metrics.csv").unlink()
    arguments = ["--predictions", str(inputs.predictions), "--evaluation", str(inputs.evaluation),
                 "--model", str(inputs.model_fold), "-o", str(tmp_path / "report")]  # fmt: skip
    with caplog.at_level(logging.ERROR):
        assert main(arguments) == 2
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1 and "has no metrics.csv" in errors[0].getMessage()
    assert "\n" not in errors[0].getMessage()
