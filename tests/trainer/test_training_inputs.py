"""Bad inputs below the command line: options, planned datasets, checkpoints that do not fit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from support.training_datasets import DATASET, copy_dataset, tiny_preprocessed_root

from thigh_common.errors import InvalidInputError, ThighSegError
from thigh_trainer.training import (
    CheckpointError,
    TrainingOptions,
    load_checkpoint,
    save_checkpoint,
    train_fold,
)
from thigh_trainer.training.options import parse_fold
from thigh_trainer.training.planned_dataset import find_dataset, read_planned_dataset


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"epochs": 0}, "--epochs must be at least 1, got 0"),
        ({"iterations": -2}, "--iterations must be at least 1, got -2"),
        ({"workers": -1}, "--workers must be 0 or more, got -1"),
        ({"validation_batches": 0}, "validation_batches must be at least 1, got 0"),
        (
            {"configuration": "2.5d", "epochs": 0},
            "unknown configuration '2.5d'; choose one of 2d, 2d5, 3d; --epochs",
        ),
    ],
)
def test_invalid_options(changes: dict, expected: str) -> None:
    settings = {"configuration": "2d5", "fold": 0, **changes}
    with pytest.raises(InvalidInputError) as error:
        TrainingOptions(**settings)
    assert expected in str(error.value)


def test_negative_fold() -> None:
    with pytest.raises(InvalidInputError, match="fold -1: expected a fold number >= 0 or 'all'"):
        parse_fold("-1")
    assert parse_fold("ALL") is None and parse_fold("3") == 3


def test_unreadable_completion_marker(tmp_path: Path) -> None:
    root = copy_dataset(tmp_path / "pre")
    (root / DATASET / "preprocessing.json").write_text("{not json")
    with pytest.raises(
        ThighSegError, match=r"preprocessing.json is unreadable .*; run thigh_plan Tiny again"
    ):
        read_planned_dataset(find_dataset(root, None))


def test_missing_leg_record(tmp_path: Path) -> None:
    root = copy_dataset(tmp_path / "pre")
    (root / DATASET / "legs" / "phantom_001_left.json").unlink()
    with pytest.raises(
        ThighSegError, match=r"preprocessed leg .*phantom_001_left.json is missing or unreadable"
    ):
        read_planned_dataset(find_dataset(root, None))


def run_options(results: Path, **changes) -> TrainingOptions:
    settings = dict(
        configuration="2d", fold=0, preprocessed_root=tiny_preprocessed_root(), results_root=results,
        epochs=1, iterations=1, workers=0, validation_batches=1, final_validation=False,
    )  # fmt: skip
    settings.update(changes)
    return TrainingOptions(**settings)


def test_checkpoint_of_other_plans_is_refused_on_resume(tmp_path: Path) -> None:
    folder = train_fold(run_options(tmp_path)) / "axial"
    content = load_checkpoint(folder / "checkpoint_latest.pt")
    content["plans_sha1"] = "0" * 40
    save_checkpoint(folder / "checkpoint_latest.pt", content)
    (folder / "checkpoint_final.pt").unlink()
    with pytest.raises(
        CheckpointError, match="was trained with other plans .*use a new --results folder or delete it"
    ):
        train_fold(run_options(tmp_path, epochs=2, resume=True))


def test_checkpoint_of_another_network_is_damaged(tmp_path: Path) -> None:
    folder = train_fold(run_options(tmp_path)) / "axial"
    content = load_checkpoint(folder / "checkpoint_latest.pt")
    content["network"] = {"weight": torch.zeros(3)}
    save_checkpoint(folder / "checkpoint_latest.pt", content)
    with pytest.raises(CheckpointError) as error:
        train_fold(run_options(tmp_path, epochs=2, resume=True))
    assert "is damaged (its states do not fit this network: " in str(error.value)
    assert str(error.value).endswith("delete it to start over, or restore a copy")


def test_final_validation_refuses_weights_of_another_network(tmp_path: Path) -> None:
    from thigh_inference.trained_model import load_network
    from thigh_planner.plans import load_plans

    path = tmp_path / "checkpoint_final.pt"
    save_checkpoint(path, {"network": {"weight": torch.zeros(3)}})
    configuration = load_plans(tiny_preprocessed_root() / DATASET / "plans.json").configuration("2d")
    with pytest.raises(CheckpointError, match="its weights do not fit the planned network"):
        load_network(path, configuration, torch.device("cpu"))


def test_training_json_records_the_overrides(tmp_path: Path) -> None:
    folder = train_fold(run_options(tmp_path, batch_size=3, learning_rate=0.002)) / "axial"
    record = json.loads((folder / "training.json").read_text())
    assert record["batch_size"] == 3 and record["training"]["learning_rate"] == 0.002
    assert record["options"]["configuration"] == "2d" and record["network"] == "axial"
