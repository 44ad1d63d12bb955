"""The 3d configuration, fold ``all``, and 2d5 trained one orientation per run."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from support.training_datasets import DATASET, tiny_preprocessed_root

from thigh_trainer.training import TrainingOptions, train_fold


def options(results: Path, configuration: str, fold: int | None, **changes) -> TrainingOptions:
    settings = dict(
        configuration=configuration, fold=fold, preprocessed_root=tiny_preprocessed_root(), results_root=results,
        epochs=1, iterations=1, workers=0, validation_batches=1,
    )  # fmt: skip
    settings.update(changes)
    return TrainingOptions(**settings)


def test_3d_trains_the_volume_network_and_validates(tmp_path: Path) -> None:
    fold = train_fold(options(tmp_path, "3d", 1))
    assert fold == tmp_path / DATASET / "3d" / "fold_1"
    assert (fold / "volume" / "checkpoint_final.pt").is_file()
    summary = json.loads((fold / "validation" / "summary.json").read_text())
    assert summary["networks"] == ["volume"] and summary["num_legs"] == 2


def test_fold_all_trains_on_every_leg_without_validation(tmp_path: Path) -> None:
    fold = train_fold(options(tmp_path, "2d", None))
    assert fold.name == "fold_all"
    record = json.loads((fold / "axial" / "training.json").read_text())
    assert len(record["train_legs"]) == 6 and record["val_legs"] == []
    assert (fold / "axial" / "checkpoint_final.pt").is_file()
    assert not (fold / "axial" / "checkpoint_best.pt").exists() and not (fold / "validation").exists()


def test_one_orientation_per_run_and_the_last_run_validates(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.INFO)
    fold = tmp_path / DATASET / "2d5" / "fold_2"
    train_fold(options(tmp_path, "2d5", 2, orientation="coronal"))
    train_fold(options(tmp_path, "2d5", 2, orientation="sagittal"))
    assert sorted(p.name for p in fold.iterdir() if p.is_dir()) == ["coronal", "sagittal"]
    assert "final validation waits for the axial network(s)" in caplog.text
    train_fold(options(tmp_path, "2d5", 2, orientation="axial"))
    summary = json.loads((fold / "validation" / "summary.json").read_text())
    assert summary["networks"] == ["axial", "coronal", "sagittal"]
