"""``thigh_train`` end to end through the real command, and every bad input with its message (in process)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from support.commands import run_main
from support.training_datasets import DATASET, copy_dataset, tiny_preprocessed_root

from thigh_common.labels import LABELS, MUSCLE_LABELS
from thigh_planner.plans import load_plans, save_plans, with_overrides
from thigh_trainer.cli import main

FAST = ["--epochs", "1", "--iterations", "1", "--workers", "0", "--validation-batches", "1"]


def run_cli(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "thigh_trainer.cli", *arguments], capture_output=True, text=True, timeout=300
    )


def test_train_2d5_fold_end_to_end(tmp_path: Path) -> None:
    root = tiny_preprocessed_root()
    results = tmp_path / "results"
    done = run_cli(
        "2d5", "0", "--preprocessed", str(root), "--results", str(results),
        "--epochs", "1", "--iterations", "2", "--batch-size", "2", "--workers", "0",
        "--validation-batches", "2",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    fold = results / DATASET / "2d5" / "fold_0"
    assert (fold / "plans.json").is_file() and (fold / "splits.json").is_file()
    for orientation in ("axial", "coronal", "sagittal"):
        folder = fold / orientation
        for name in ("checkpoint_latest.pt", "checkpoint_best.pt", "checkpoint_final.pt", "progress.png"):
            assert (folder / name).stat().st_size > 0, name
        assert "epoch 1/1" in (folder / "training_log.txt").read_text()
        rows = list(csv.DictReader((folder / "progress.csv").open()))
        assert len(rows) == 1 and rows[0]["epoch"] == "1"  # counted as the log counts
        assert {"train_loss", "val_loss", "dice_10", "mean_dice", "lr", "seconds"} <= set(rows[0])
        assert json.loads((folder / "training.json").read_text())["batch_size"] == 2
    summary = json.loads((fold / "validation" / "summary.json").read_text())
    val_cases = json.loads((root / DATASET / "splits.json").read_text())[0]["val"]
    assert sorted(summary["legs"]) == sorted(
        f"{case}_{side}" for case in val_cases for side in ("left", "right")
    )
    for leg in summary["legs"].values():
        assert sorted(leg["dice"]) == sorted(LABELS[label] for label in MUSCLE_LABELS)
    assert summary["mean_dice"] is None or 0.0 <= summary["mean_dice"] <= 1.0
    table = list(csv.reader((fold / "validation" / "dice.csv").open()))
    assert table[0][0] == "leg" and table[0][-1] == "mean" and len(table) == 1 + len(summary["legs"])
    assert len(list((fold / "validation").glob("*.npz"))) == len(summary["legs"])


@pytest.fixture
def planned(tmp_path: Path) -> Path:
    """A private copy of the tiny preprocessed root."""
    return copy_dataset(tmp_path / "preprocessed")


def fails_with(caplog: pytest.LogCaptureFixture, *arguments: str) -> str:
    caplog.clear()
    assert main(list(arguments)) == 2
    return caplog.text


def test_no_planned_dataset(tmp_path: Path, caplog) -> None:
    message = fails_with(caplog, "2d5", "0", "--preprocessed", str(tmp_path / "empty"), *FAST)
    assert "no planned dataset under" in message and "run thigh_plan DATASET first" in message


def test_no_plans_for_the_named_dataset(planned: Path, caplog) -> None:
    message = fails_with(caplog, "2d5", "0", "-d", "Other", "--preprocessed", str(planned), *FAST)
    assert "no plans for dataset 'Other'" in message and "run thigh_plan Other" in message


def test_several_datasets_need_a_name(planned: Path, caplog) -> None:
    shutil.copytree(planned / DATASET, planned / "Second")
    message = fails_with(caplog, "2d5", "0", "--preprocessed", str(planned), *FAST)
    assert "several planned datasets" in message and "Second, Tiny" in message and "-d DATASET" in message


def test_incomplete_preprocessing(planned: Path, caplog) -> None:
    (planned / DATASET / "preprocessing.json").unlink()
    message = fails_with(caplog, "2d5", "0", "--preprocessed", str(planned), *FAST)
    assert "preprocessing of Tiny is incomplete (no preprocessing.json" in message
    assert "run thigh_plan Tiny again" in message


def test_unknown_configuration(planned: Path, caplog) -> None:
    message = fails_with(caplog, "4d", "0", "--preprocessed", str(planned), *FAST)
    assert "unknown configuration '4d'; choose one of 2d, 2d5, 3d" in message


def test_configuration_missing_from_the_plans(planned: Path, caplog) -> None:
    path = planned / DATASET / "plans.json"
    data = json.loads(path.read_text())
    del data["configurations"]["3d"]
    path.write_text(json.dumps(data))
    message = fails_with(caplog, "3d", "0", "--preprocessed", str(planned), *FAST)
    assert "configuration '3d' is not in the plans" in message and "available: 2d, 2d5" in message


@pytest.mark.parametrize(("fold", "expected"), [("7", "fold 7: the splits have 3 folds (0-2) or 'all'"),
                                                ("x", "fold 'x': expected a fold number")])  # fmt: skip
def test_fold_outside_the_splits(planned: Path, caplog, fold: str, expected: str) -> None:
    assert expected in fails_with(caplog, "2d5", fold, "--preprocessed", str(planned), *FAST)


def test_results_of_other_plans(planned: Path, tmp_path: Path, caplog) -> None:
    fold = tmp_path / "results" / DATASET / "2d" / "fold_0"
    fold.mkdir(parents=True)
    plans = load_plans(planned / DATASET / "plans.json")
    save_plans(with_overrides(plans, "2d", learning_rate=0.5), fold / "plans.json")
    message = fails_with(
        caplog, "2d", "0", "--preprocessed", str(planned), "--results", str(tmp_path / "results"), *FAST
    )
    assert "was trained with other plans" in message
    assert "use a new --results folder or delete it" in message


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_device_missing(planned: Path, caplog) -> None:
    message = fails_with(caplog, "2d", "0", "--preprocessed", str(planned), "--device", "cuda", *FAST)
    assert "CUDA is not available on this machine; use --device cpu" in message


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--device", "tpu"], "argument --device: unknown device 'tpu'; use cpu, cuda, cuda:N or auto"),
        (["--precision", "fp8"], "argument --precision: unknown precision 'fp8'; use auto, fp32, bf16, fp16"),
        (["--workers", "-1"], "argument --workers: must be at least 0, got -1"),
        (["2d"], "expected CONFIG FOLD, e.g. thigh_train 2d5 0 (or thigh_train -c 2d5 0)"),
        (["-c", "2d"], "the fold is missing: thigh_train -c 2d FOLD"),
        (["2d", "0", "-c", "3d"], "two configurations: 2d and -c 3d; give one"),
    ],
)
def test_usage_errors(planned: Path, arguments: list[str], expected: str) -> None:
    done = run_main(main, *arguments, "--preprocessed", planned)
    assert done.returncode == 2
    assert "usage: thigh_train CONFIG FOLD [options]" in done.stderr and expected in done.stderr


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["-c", "4d", "0"], "unknown configuration '4d'; choose one of 2d, 2d5, 3d"),
        (["-c", "2d5", "7"], "fold 7: the splits have 3 folds (0-2) or 'all'"),
        (["2d5", "7", "-c", "2d5"], "fold 7: the splits have 3 folds (0-2) or 'all'"),
    ],
)
def test_configuration_as_an_option(planned: Path, caplog, arguments: list[str], expected: str) -> None:
    """``-c CONFIG FOLD`` means what ``CONFIG FOLD`` means."""
    assert expected in fails_with(caplog, *arguments, "--preprocessed", str(planned), *FAST)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--precision", "fp16", "--device", "cpu"], "--precision fp16 needs a CUDA device"),
        (
            ["--orientation", "oblique"],
            "unknown orientation 'oblique'; choose one of axial, coronal, sagittal",
        ),
        (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
        (["--lr", "-1"], "--lr must be positive"),
        (["--max-minutes", "0"], "--max-minutes must be positive"),
    ],
)
def test_bad_flags(planned: Path, caplog, arguments: list[str], expected: str) -> None:
    assert expected in fails_with(caplog, "2d", "0", "--preprocessed", str(planned), *FAST, *arguments)


def test_orientation_not_in_the_configuration(planned: Path, tmp_path: Path, caplog) -> None:
    message = fails_with(
        caplog, "2d", "0", "--orientation", "coronal", "--preprocessed", str(planned),
        "--results", str(tmp_path / "results"), *FAST,
    )  # fmt: skip
    assert "--orientation coronal: configuration 2d trains axial" in message


def test_help_is_quick_and_lists_the_flags() -> None:
    done = run_main(main, "--help")
    assert done.returncode == 0
    for flag in ("--orientation", "--max-minutes", "--resume", "--precision", "--workers", "--results", "-c"):
        assert flag in done.stdout
    probe = (
        "import sys, thigh_trainer.cli as c; c.build_parser().format_help(); print('torch' in sys.modules)"
    )
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert imported.stdout.strip() == "False"
