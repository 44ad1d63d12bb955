"""``thigh_evaluate -r REF -p PRED -o OUT`` through its real entry point, and every error it reports."""

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from support.commands import run_main
from support.label_maps import labels_image, scene, write_labels, write_scene

from thigh_evaluation.cli import main
from thigh_evaluation.metrics_table import read_metrics_csv

COLUMNS = ("case,leg,kind,label,structure,status,dice,asd_mm,hd95_mm,volume_ref_ml,volume_pred_ml,"
           "volume_diff_ml,volume_diff_pct")  # fmt: skip
SUMMARY_KEYS = [
    "tool", "reference_folder", "prediction_folder", "num_reference_cases", "num_cases", "num_legs",
    "cases_missing_prediction", "cases", "per_class", "groups", "overall", "absent_in_both",
    "missing_in_prediction", "missing_in_reference", "metric_definitions", "statistics", "leg_split",
    "metrics_csv", "labels",
]  # fmt: skip


@pytest.fixture
def folders(tmp_path):
    """labelsTr-like references c1, c2 (stored flipped), c3 (no prediction); a thigh_predict-like output."""
    reference, prediction = tmp_path / "labelsTr", tmp_path / "predictions"
    write_scene(reference, prediction, "c1")
    write_scene(reference, prediction, "c2", flip=True)
    write_labels(labels_image(scene()[0]), reference / "c3.nii.gz")
    write_labels(labels_image(scene()[1]), prediction / "x9.nii.gz")  # a prediction without reference
    for name in ("c1_muscles.csv", "summary.csv", "labels.ctbl", "labels_itksnap.txt", "c1_overlay.png"):
        (prediction / name).write_text("not a label map\n")
    return reference, prediction


def test_writes_metrics_summary_and_table(folders, tmp_path, caplog, capsys):
    reference, prediction = folders
    out = tmp_path / "eval"
    with caplog.at_level(logging.WARNING):
        code = main(["-r", str(reference), "-p", str(prediction), "-o", str(out)])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["metrics.csv", "summary.csv", "summary.json"]
    text = (out / "metrics.csv").read_text().splitlines()
    assert text[0] == COLUMNS
    assert len(text) == 1 + 2 * 2 * 14
    # an absent structure: label 10 in c1's right leg, every metric empty, volumes 0
    assert "c1,right,class,10,semimembranosus,absent_in_both,,,,0.000000,0.000000,," in text
    assert any(line.startswith("c1,right,group,,quadriceps,present,0.857143,") for line in text)
    metrics = read_metrics_csv(out / "metrics.csv")
    assert tuple(metrics.columns) == tuple(COLUMNS.split(","))
    c1 = metrics[metrics["case"] == "c1"].drop(columns="case").reset_index(drop=True)
    c2 = metrics[metrics["case"] == "c2"].drop(columns="case").reset_index(drop=True)
    pd.testing.assert_frame_equal(c1, c2)  # c2 is c1 stored with a flipped direction matrix
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary) == SUMMARY_KEYS
    assert summary["reference_folder"] == str(reference.resolve())
    assert summary["cases_missing_prediction"] == ["c3"]
    assert (summary["num_reference_cases"], summary["num_cases"], summary["num_legs"]) == (3, 2, 4)
    assert summary["per_class"]["semimembranosus"]["counts"]["absent_in_both"] == 4
    assert summary["per_class"]["semimembranosus"]["metrics"]["dice"]["mean"] is None
    assert summary["absent_in_both"]["per_class"]["semimembranosus"] == ["c1/right", "c1/left", "c2/right",
                                                                          "c2/left"]  # fmt: skip
    assert summary["missing_in_prediction"]["per_class"] == {"sartorius": ["c1/right", "c2/right"]}
    assert summary["cases"]["c2"]["legs"] == ["right", "left"]
    table = pd.read_csv(out / "summary.csv")
    assert list(table["structure"])[-1] == "overall"
    assert "c3: no prediction in" in caplog.text
    assert "evaluated 2 case(s), 4 leg(s) into" in capsys.readouterr().out


def test_worker_processes_give_the_same_table(folders, tmp_path):
    reference, prediction = folders
    assert main(["-r", str(reference), "-p", str(prediction), "-o", str(tmp_path / "one")]) == 0
    assert (
        main(["-r", str(reference), "-p", str(prediction), "-o", str(tmp_path / "two"), "--workers", "2"])
        == 0
    )
    assert (tmp_path / "one" / "metrics.csv").read_text() == (tmp_path / "two" / "metrics.csv").read_text()


def test_the_installed_console_script_runs(folders, tmp_path):
    script = Path(sys.executable).parent / "thigh_evaluate"
    assert script.exists(), "run pip install -e '.[dev]' to install the console scripts"
    reference, prediction = folders
    done = subprocess.run([str(script), "-r", str(reference), "-p", str(prediction), "-o", str(tmp_path / "e")],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "evaluated 2 case(s), 4 leg(s)" in done.stdout
    assert "c3: no prediction in" in done.stderr
    help_text = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert help_text.returncode == 0 and "--cv" in help_text.stdout


def _arguments(reference, prediction, out):
    return ["-r", str(reference), "-p", str(prediction), "-o", str(out)]


def test_missing_reference_folder(tmp_path, caplog):
    assert main(_arguments(tmp_path / "nowhere", tmp_path, tmp_path / "out")) == 2
    assert (
        f"reference folder {tmp_path / 'nowhere'} not found: expected a folder of CASE.nii.gz label maps"
        in (caplog.text)
    )


def test_prediction_folder_without_label_maps(folders, tmp_path, caplog):
    reference, _ = folders
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "summary.csv").write_text("x\n")
    assert main(_arguments(reference, empty, tmp_path / "out")) == 2
    assert (
        f"prediction folder {empty} holds no label map: expected CASE files ending in .nii.gz, .nii, .nrrd, "
        ".nhdr, .mha, .mhd" in caplog.text
    )


def test_no_case_matched(folders, tmp_path, caplog):
    reference, _ = folders
    other = tmp_path / "other"
    write_labels(labels_image(scene()[1]), other / "zz.nii.gz")
    assert main(_arguments(reference, other, tmp_path / "out")) == 2
    assert (
        f"no reference case of {reference} has a prediction in {other}: reference cases c1, c2, c3; label maps "
        "in the prediction folder zz. A prediction must be named like its reference (CASE.nii.gz)."
    ) in caplog.text
    assert not (tmp_path / "out").exists()


def test_images_given_as_references_get_a_hint(folders, tmp_path, caplog):
    _, prediction = folders
    images = tmp_path / "imagesTr"
    write_labels(labels_image(scene()[0]), images / "c1_0000.nii.gz")
    assert main(_arguments(images, prediction, tmp_path / "out")) == 2
    assert (
        "The reference files end in _0000, like CT images: give the dataset's labelsTr folder, not imagesTr."
        in (caplog.text)
    )


def test_two_files_of_one_case_are_refused(folders, tmp_path, caplog):
    reference, prediction = folders
    shutil.copy(prediction / "x9.nii.gz", prediction / "x9.nrrd")  # no reference: not in the way
    assert main(_arguments(reference, prediction, tmp_path / "fine")) == 0
    shutil.copy(prediction / "c1.nii.gz", prediction / "c1.nrrd")
    assert main(_arguments(reference, prediction, tmp_path / "out")) == 2
    assert (
        f"prediction folder {prediction} holds several label maps of one case (c1: c1.nii.gz, c1.nrrd); keep one "
        "file per case"
    ) in caplog.text


def test_a_grid_mismatch_names_the_case(folders, tmp_path, caplog):
    reference, prediction = folders
    write_labels(labels_image(scene()[1], spacing_xyz=(2.0, 1.5, 2.0)), prediction / "c2.nii.gz")
    assert main(_arguments(reference, prediction, tmp_path / "out")) == 2
    assert f"c2: the prediction {prediction / 'c2.nii.gz'} is not on the grid of the reference" in caplog.text
    assert "spacing (2.0, 1.5, 2.0) != (2.0, 1.5, 3.0)" in caplog.text


def test_the_output_may_not_be_the_prediction_folder(folders, caplog):
    reference, prediction = folders
    assert main(_arguments(reference, prediction, prediction)) == 2
    assert (
        f"the output folder {prediction} is the prediction folder; choose another -o so that the evaluation files "
        "do not mix with (or overwrite, like summary.csv) the label maps' folder"
    ) in caplog.text
    assert (prediction / "summary.csv").read_text() == "not a label map\n"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["-r", "R", "-p", "P"], "missing -o: thigh_evaluate -r REF_FOLDER -p PRED_FOLDER -o OUT (or thigh_evaluate "
         "--cv -d DATASET for a cross-validation summary)"),
        ([], "missing -r, -p, -o: thigh_evaluate -r REF_FOLDER -p PRED_FOLDER -o OUT"),
        (["-r", "R", "-p", "P", "-o", "O", "-d", "D"], "-d and --results are used with --cv only; add --cv or leave "
         "them out"),
        (["--cv", "-d", "D", "-r", "R"], "-r are not used with --cv, which reads the training results: "
         "thigh_evaluate --cv -d DATASET [-c CONFIG] [--results DIR] [-o OUT]"),
        (["--cv"], "--cv needs the dataset: thigh_evaluate --cv -d DATASET [-c CONFIG]"),
    ],
)  # fmt: skip
def test_wrong_forms_are_usage_errors(arguments, message, caplog):
    assert main(arguments) == 2
    assert message in caplog.text


def test_workers_below_one_are_refused_as_the_shared_flag_says():
    done = run_main(main, "-r", "R", "-p", "P", "-o", "O", "--workers", "0")
    assert done.returncode == 2 and "argument --workers: must be at least 1, got 0" in done.stderr
