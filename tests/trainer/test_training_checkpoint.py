"""Checkpoints: round trip, damaged files, and resuming a run that stopped mid-way."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import pytest
import torch
from support.training_datasets import DATASET, tiny_preprocessed_root

from thigh_common.errors import ThighSegError
from thigh_networks.checkpoint import BEST, FINAL, LATEST
from thigh_networks.precision import Precision
from thigh_planner.plans import NetworkTopology, load_plans
from thigh_trainer.cli import main
from thigh_trainer.training import (
    CheckpointError,
    TrainingOptions,
    load_checkpoint,
    save_checkpoint,
    train_fold,
)
from thigh_trainer.training.jobs import NetworkJob
from thigh_trainer.training.schedule import build_optimizer, build_scheduler
from thigh_trainer.training.training_state import restore_training_state, training_state


class SimulatedKillError(Exception):
    """Stands for a run killed after an epoch."""


def options(results: Path, **changes) -> TrainingOptions:
    settings = dict(
        configuration="2d", fold=0, preprocessed_root=tiny_preprocessed_root(), results_root=results,
        epochs=2, iterations=2, workers=0, validation_batches=1, final_validation=False,
    )  # fmt: skip
    settings.update(changes)
    return TrainingOptions(**settings)


def axial_folder(results: Path) -> Path:
    return results / DATASET / "2d" / "fold_0" / "axial"


def weights(path: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(path)["network"]


def assert_same_weights(first: dict, second: dict) -> None:
    assert first.keys() == second.keys()
    for key in first:
        assert torch.equal(first[key], second[key]), key


def tiny_job(tmp_path: Path) -> tuple[NetworkJob, torch.nn.Module]:
    from thigh_networks import build_network

    configuration = load_plans(tiny_preprocessed_root() / DATASET / "plans.json").configuration("2d")
    topology: NetworkTopology = configuration.network
    job = NetworkJob("axial", tmp_path, topology, (32, 32), 2, configuration.training, 1, [], [], "abc")
    return job, build_network(topology)


def test_round_trip_restores_weights_optimizer_scheduler_and_epoch(tmp_path: Path) -> None:
    job, network = tiny_job(tmp_path)
    optimizer = build_optimizer(network.parameters(), job.training)
    scheduler = build_scheduler(optimizer, job.training.lr_schedule)
    scaler = Precision("fp32", "cpu").scaler()
    for _ in range(3):
        optimizer.zero_grad()
        outputs = network(torch.randn(2, 3, 32, 32))
        sum(output.square().mean() for output in outputs).backward()
        optimizer.step()
        scheduler.step()
    save_checkpoint(tmp_path / LATEST, training_state(network, optimizer, scheduler, scaler, 7, 0.5, job))
    torch.rand(5)  # move the generator on; the checkpoint restores it

    job2, restored = tiny_job(tmp_path)
    optimizer2 = build_optimizer(restored.parameters(), job2.training)
    scheduler2 = build_scheduler(optimizer2, job2.training.lr_schedule)
    content = load_checkpoint(tmp_path / LATEST)
    restore_training_state(
        content, restored, optimizer2, scheduler2, Precision("fp32", "cpu").scaler(), tmp_path
    )
    assert content["epoch"] == 7 and content["best_metric"] == 0.5 and content["plans_sha1"] == "abc"
    assert_same_weights(network.state_dict(), restored.state_dict())
    state, state2 = optimizer.state_dict(), optimizer2.state_dict()
    assert state["param_groups"] == state2["param_groups"]
    for index, moments in state["state"].items():
        for name, value in moments.items():
            assert torch.equal(torch.as_tensor(value), torch.as_tensor(state2["state"][index][name]))
    assert scheduler2.last_epoch == 3 and scheduler2.get_last_lr() == scheduler.get_last_lr()


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"not a checkpoint at all", "UnpicklingError"), (None, "RuntimeError"), (b"", "EOFError")],
)
def test_damaged_checkpoint_message(tmp_path: Path, content: bytes | None, reason: str) -> None:
    path = tmp_path / LATEST
    save_checkpoint(path, {"network": {"w": torch.zeros(1000)}, "epoch": 1})
    path.write_bytes(path.read_bytes()[:200] if content is None else content)
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(path)
    message = str(error.value)
    assert message.startswith(f"checkpoint {path} is damaged (")
    assert message.endswith("); delete it to start over, or restore a copy")
    assert reason in message or content is None


def test_checkpoint_without_training_state_is_damaged(tmp_path: Path) -> None:
    path = tmp_path / LATEST
    save_checkpoint(path, {"network": {}})
    with pytest.raises(CheckpointError, match=r"is damaged \(missing optimizer, scheduler"):
        load_checkpoint(path)


def test_missing_checkpoint_message(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="does not exist; train first"):
        load_checkpoint(tmp_path / "nothing.pt")


def test_resume_continues_where_an_interrupted_run_stopped(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.INFO)
    uninterrupted = tmp_path / "whole"
    train_fold(options(uninterrupted))

    def stop_after_first_epoch(record) -> None:
        if record.epoch == 1:
            raise SimulatedKillError

    interrupted = tmp_path / "interrupted"
    with pytest.raises(SimulatedKillError):
        train_fold(options(interrupted), on_epoch_end=stop_after_first_epoch)
    folder = axial_folder(interrupted)
    assert load_checkpoint(folder / LATEST)["epoch"] == 1 and not (folder / FINAL).exists()
    saved_optimizer = load_checkpoint(folder / LATEST)["optimizer"]

    with pytest.raises(ThighSegError, match="pass --resume to continue it"):
        train_fold(options(interrupted))
    caplog.clear()
    train_fold(options(interrupted, resume=True))
    assert "axial: resuming after epoch 1" in caplog.text
    assert load_checkpoint(folder / FINAL)["epoch"] == 2
    assert (
        saved_optimizer["param_groups"][0]["lr"]
        > load_checkpoint(folder / FINAL)["optimizer"]["param_groups"][0]["lr"]
    )
    assert [row["epoch"] for row in csv.DictReader((folder / "progress.csv").open())] == ["1", "2"]
    assert_same_weights(weights(folder / FINAL), weights(axial_folder(uninterrupted) / FINAL))
    assert (folder / BEST).is_file()


def test_resume_with_more_epochs_after_a_finished_run(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.INFO)
    results = tmp_path / "results"
    train_fold(options(results, epochs=1))
    train_fold(options(results, epochs=1, resume=True))
    assert "axial: already trained for 1 epochs; skipping" in caplog.text
    train_fold(options(results, epochs=2, resume=True))
    assert load_checkpoint(axial_folder(results) / FINAL)["epoch"] == 2
    assert len(list(csv.DictReader((axial_folder(results) / "progress.csv").open()))) == 2


def test_resume_from_a_damaged_checkpoint_is_refused(tmp_path: Path, caplog) -> None:
    results = tmp_path / "results"
    train_fold(options(results, epochs=1))
    latest = axial_folder(results) / LATEST
    latest.write_bytes(latest.read_bytes()[:1000])
    arguments = ["2d", "0", "--preprocessed", str(tiny_preprocessed_root()), "--results", str(results)]
    assert main([*arguments, "--epochs", "2", "--iterations", "1", "--workers", "0", "--resume"]) == 2
    assert f"checkpoint {latest} is damaged (" in caplog.text
    assert "delete it to start over, or restore a copy" in caplog.text


def test_a_run_stopped_after_its_first_checkpoint_write_resumes_to_the_same_files(
    tmp_path: Path, monkeypatch
) -> None:
    """Whatever a killed run wrote last, the resumed run ends with the uninterrupted run's checkpoints."""
    from thigh_networks import checkpoint

    uninterrupted = tmp_path / "whole"
    train_fold(options(uninterrupted, epochs=1, iterations=1))
    save = checkpoint.save_checkpoint

    def stop_after_one_write(path, content) -> None:
        save(path, content)
        raise SimulatedKillError(path)

    interrupted = tmp_path / "interrupted"
    monkeypatch.setattr(checkpoint, "save_checkpoint", stop_after_one_write)
    with pytest.raises(SimulatedKillError):
        train_fold(options(interrupted, epochs=1, iterations=1))
    monkeypatch.setattr(checkpoint, "save_checkpoint", save)
    train_fold(options(interrupted, epochs=1, iterations=1, resume=True))
    for name in (LATEST, BEST, FINAL):
        resumed, reference = axial_folder(interrupted) / name, axial_folder(uninterrupted) / name
        assert reference.is_file() and resumed.is_file(), name
        assert load_checkpoint(resumed)["best_metric"] == load_checkpoint(reference)["best_metric"]
        assert_same_weights(weights(resumed), weights(reference))
