"""The commands an experiment runs, their failure messages, and the headline numbers."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thigh_evaluation.experiment.run import (
    ExperimentOptions,
    Step,
    StepFailedError,
    configuration_means,
    experiment_steps,
    mean_sd,
    run_step,
)


def test_same_training_cases_and_budget_for_every_configuration(tmp_path):
    options = ExperimentOptions(raw=tmp_path / "Thigh", output=tmp_path / "exp", minutes=7.5,
                                training_overrides=("--iterations", "20"))  # fmt: skip
    steps = experiment_steps(options, tmp_path / "exp/raw/Thigh_train", tmp_path / "exp/raw/Thigh_test")
    names = [step.name for step in steps]
    assert names == ["plan", "train 2d", "predict 2d", "evaluate 2d", "train 2d5", "predict 2d5", "evaluate 2d5",
                     "train 3d", "predict 3d", "evaluate 3d", "compare"]  # fmt: skip
    trainings = [step for step in steps if step.name.startswith("train")]
    for step in trainings:
        assert step.arguments[1] == "all" and "Thigh_train" in step.arguments
        assert step.arguments[step.arguments.index("--max-minutes") + 1] == "7.5"
        assert step.arguments[-2:] == ("--iterations", "20")
    predictions = [step for step in steps if step.name.startswith("predict")]
    assert all(str(tmp_path / "exp/raw/Thigh_test/imagesTr") in step.arguments for step in predictions)
    compare = steps[-1]
    assert compare.arguments[:3] == tuple(
        f"{c}={tmp_path / 'exp/evaluation' / c}" for c in ("2d", "2d5", "3d")
    )
    assert steps[1].shown.startswith("thigh_train 2d all -d Thigh_train")
    assert steps[2].shown.startswith("thigh_predict -i")


def test_one_configuration_has_nothing_to_compare(tmp_path):
    options = ExperimentOptions(raw=tmp_path / "Thigh", output=tmp_path / "exp", configurations=("2d5",))
    assert [s.name for s in experiment_steps(options, tmp_path, tmp_path)][-1] == "evaluate 2d5"


def test_step_output_goes_to_its_log(tmp_path):
    step = Step("hello", "platform", ())  # python -m platform prints the platform
    seconds = run_step(step, tmp_path / "logs" / "01_hello.log", echo=False)
    assert seconds >= 0
    log = (tmp_path / "logs" / "01_hello.log").read_text()
    assert log.startswith("$ platform") and len(log.splitlines()) >= 2


def test_failed_step_names_itself_its_status_and_log(tmp_path, monkeypatch):
    step = Step("train 3d", "thigh_evaluation.experiment.cli", ("--minutes", "0", str(tmp_path)))
    with pytest.raises(
        StepFailedError, match=r"step 'train 3d' failed with exit status 2; its log is .*02_x.log"
    ):
        run_step(step, tmp_path / "02_x.log", echo=False)
    assert "--minutes must be positive" in (tmp_path / "02_x.log").read_text()


def test_configuration_means_average_classes_per_leg_then_legs(tmp_path):
    rows = []
    for case in ("a", "b"):
        for leg in ("left", "right"):
            for label in range(1, 11):
                dice = 0.5 if case == "a" else 0.9
                asd = np.nan if label == 7 and leg == "left" else float(label)
                rows.append({"case": case, "leg": leg, "kind": "class", "label": label, "structure": f"m{label}",
                             "status": "present", "dice": dice, "asd_mm": asd})  # fmt: skip
            rows.append({"case": case, "leg": leg, "kind": "group", "label": None, "structure": "quadriceps",
                         "status": "present", "dice": 0.0, "asd_mm": 99.0})  # fmt: skip
    table = pd.DataFrame(rows)
    for column in ("hd95_mm", "volume_ref_ml", "volume_pred_ml", "volume_diff_ml", "volume_diff_pct"):
        table[column] = 1.0
    table.to_csv(tmp_path / "metrics.csv", index=False)
    means = configuration_means(tmp_path)
    assert means["legs"] == 4
    assert means["dice_mean"] == pytest.approx(0.7)
    assert means["dice_sd"] == pytest.approx(np.std([0.5, 0.5, 0.9, 0.9], ddof=1))
    left = np.mean([1, 2, 3, 4, 5, 6, 8, 9, 10])
    assert means["asd_mm_mean"] == pytest.approx(np.mean([left, 5.5, left, 5.5]))


def test_the_headline_numbers_are_shown_with_each_metrics_decimals():
    means = {"legs": 4.0, "dice_mean": 0.81234, "dice_sd": 0.0456, "asd_mm_mean": 1.2345, "asd_mm_sd": np.nan}
    assert (mean_sd(means, "dice"), mean_sd(means, "asd_mm")) == ("0.812 ± 0.046", "1.23 ± nan")


def test_command_line_errors(tmp_path):
    import subprocess

    done = subprocess.run([sys.executable, "-m", "thigh_evaluation.experiment.cli", str(tmp_path / "nowhere")],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2 and "dataset" in done.stderr and "not found" in done.stderr
    raw = Path(tmp_path)
    done = subprocess.run([sys.executable, "-m", "thigh_evaluation.experiment.cli", str(raw), "--minutes", "-1"],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2 and "--minutes must be positive, found -1" in done.stderr
