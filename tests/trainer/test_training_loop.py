"""The epoch loop: learning on a fixed batch, precisions, schedule, time budget, GPU out of memory."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
import torch
from support.training_datasets import DATASET, tiny_preprocessed_root

from thigh_common.errors import ThighSegError
from thigh_networks import build_network
from thigh_networks.precision import Precision, choose_precision
from thigh_planner.plans import LrSchedule, load_plans
from thigh_trainer.data.legs import load_legs
from thigh_trainer.training import TrainingOptions, load_checkpoint, train_fold
from thigh_trainer.training.jobs import NetworkJob, Runtime
from thigh_trainer.training.loop import build_loss_function, train_network
from thigh_trainer.training.progress_log import ProgressLog, read_progress
from thigh_trainer.training.schedule import build_optimizer, build_scheduler
from thigh_trainer.training.steps import train_step
from thigh_trainer.training.validation_batches import NO_AUGMENTATION

CPU = torch.device("cpu")


def configuration():
    return load_plans(tiny_preprocessed_root() / DATASET / "plans.json").configuration("2d")


def fixed_batch() -> dict[str, torch.Tensor]:
    """Two axial slices of a real tiny leg, no augmentation."""
    from thigh_trainer.data.pipeline import make_batch_stream

    legs = load_legs(tiny_preprocessed_root() / DATASET / "legs", ["phantom_000_right"])
    with make_batch_stream(legs, "axial", (80, 80), 2, 1, NO_AUGMENTATION, 1.0, 3, 0) as stream:
        return next(stream)


class RepeatBatch:
    """A stand-in batch stream that yields the same batch forever."""

    def __init__(self, batch: dict) -> None:
        self.batch = batch

    def __iter__(self):
        return self

    def __next__(self) -> dict:
        return self.batch

    def close(self) -> None:
        pass


def job_for(tmp_path: Path, **training_changes) -> NetworkJob:
    config = configuration()
    training = dataclasses.replace(config.training, **training_changes)
    legs = load_legs(tiny_preprocessed_root() / DATASET / "legs", ["phantom_000_right"])
    return NetworkJob("axial", tmp_path, config.network, (80, 80), 2, training, 1, legs, legs, "hash")


def test_loss_goes_down_on_a_fixed_batch(tmp_path: Path, monkeypatch) -> None:
    batch = fixed_batch()
    monkeypatch.setattr("thigh_trainer.data.pipeline.make_batch_stream", lambda *a, **k: RepeatBatch(batch))
    job = job_for(
        tmp_path, epochs=5, iterations_per_epoch=40, learning_rate=1e-2,
        lr_schedule=LrSchedule("constant", 0.0),
    )  # fmt: skip
    outcome = train_network(job, Runtime(CPU, Precision("fp32", "cpu")))
    records = read_progress(tmp_path / "progress.csv")
    assert outcome.epochs_completed == 5 and len(records) == 5
    assert records[-1].train_loss < 0.6 * records[0].train_loss
    assert records[-1].val_loss < records[0].val_loss
    assert records[-1].mean_dice > records[0].mean_dice
    assert load_checkpoint(tmp_path / "checkpoint_best.pt")["best_metric"] == pytest.approx(
        max(record.mean_dice for record in records)
    )


def one_step(precision: Precision, device: torch.device) -> tuple[float, bool]:
    config = configuration()
    network = build_network(config.network).to(device)
    before = [parameter.detach().clone() for parameter in network.parameters()]
    optimizer = build_optimizer(network.parameters(), config.training)
    scheduler = build_scheduler(optimizer, config.training.lr_schedule)
    loss_function = build_loss_function(config.network, config.training)
    loss = train_step(
        network, fixed_batch(), loss_function, optimizer, scheduler, precision.scaler(), precision, device
    )
    changed = any(not torch.equal(a, b.cpu()) for a, b in zip(before, network.parameters(), strict=True))
    return loss, changed


def test_bf16_autocast_step_on_cpu() -> None:
    loss, changed = one_step(choose_precision("bf16", CPU), CPU)
    assert math.isfinite(loss) and changed


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_fp16_autocast_step_with_grad_scaler_on_cuda() -> None:
    precision = choose_precision("auto", torch.device("cuda"))
    assert precision.name == "fp16" and precision.scaler().is_enabled()
    loss, changed = one_step(precision, torch.device("cuda"))
    assert math.isfinite(loss) and changed


def test_precision_choices() -> None:
    expected = "bf16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "fp32"
    assert choose_precision("auto", CPU).name == expected
    assert not choose_precision("bf16", CPU).scaler().is_enabled()
    assert choose_precision("bf16", CPU).dtype == torch.bfloat16


def test_inverse_time_and_constant_schedules() -> None:
    weight = torch.nn.Parameter(torch.zeros(1))
    config = configuration()
    optimizer = build_optimizer([weight], dataclasses.replace(config.training, learning_rate=1e-4))
    scheduler = build_scheduler(optimizer, LrSchedule("inverse_time", 1e-3))
    for _ in range(1000):
        optimizer.step()
        scheduler.step()
    assert optimizer.param_groups[0]["lr"] == pytest.approx(1e-4 / (1 + 1e-3 * 1000))
    constant = build_scheduler(build_optimizer([weight], config.training), LrSchedule("constant", 0.5))
    constant.optimizer.step()
    constant.step()
    assert constant.get_last_lr() == [config.training.learning_rate]
    sgd = build_optimizer([weight], dataclasses.replace(config.training, optimizer="sgd"))
    assert isinstance(sgd, torch.optim.SGD) and sgd.param_groups[0]["nesterov"]


class OutOfMemoryNetwork(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return torch.zeros(x.shape[0], 11, *x.shape[2:])


def test_gpu_out_of_memory_names_the_batch_size(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("thigh_networks.build_network", lambda topology: OutOfMemoryNetwork())
    batch = fixed_batch()
    monkeypatch.setattr("thigh_trainer.data.pipeline.make_batch_stream", lambda *a, **k: RepeatBatch(batch))
    with pytest.raises(ThighSegError) as error:
        train_network(
            job_for(tmp_path, epochs=1, iterations_per_epoch=1), Runtime(CPU, Precision("fp32", "cpu"))
        )
    message = str(error.value)
    assert "ran out of memory training the axial network with batch size 2" in message
    assert "use a smaller --batch-size (e.g. --batch-size 1)" in message


@pytest.mark.parametrize(("epochs", "iterations"), [(5, 1), (3, 200)])
def test_time_budget_is_checked_every_iteration(tmp_path: Path, epochs: int, iterations: int) -> None:
    """A budget of 6 ms stops after the first iteration (ending its epoch early when the epoch has
    more), then still saves the final checkpoint."""
    options = TrainingOptions(
        configuration="2d", fold=0, preprocessed_root=tiny_preprocessed_root(), results_root=tmp_path,
        epochs=epochs, iterations=iterations, workers=0, validation_batches=1, max_minutes=1e-4,
        final_validation=False,
    )  # fmt: skip
    folder = train_fold(options) / "axial"
    final = load_checkpoint(folder / "checkpoint_final.pt")
    assert final["epoch"] == 1 and final["stopped_by_deadline"]
    assert final["last_epoch_iterations"] == 1
    expected = f"time budget used up in epoch 1 of {epochs} (1 of {iterations} iterations)"
    assert expected in (folder / "training_log.txt").read_text()


def test_progress_log_keeps_earlier_rows_on_resume(tmp_path: Path) -> None:
    from thigh_trainer.training.progress_log import EpochRecord

    log = ProgressLog(tmp_path, num_classes=3)
    for epoch in (1, 2, 3):
        log.add(EpochRecord(epoch, 1.0 / epoch, 0.9, (0.5, math.nan), 1e-4, 2.0))
    assert (tmp_path / "progress.png").read_bytes().startswith(b"\x89PNG")
    resumed = ProgressLog(tmp_path, num_classes=3, resume_epoch=2)
    assert [record.epoch for record in resumed.records] == [1, 2]
    assert resumed.records[1].train_loss == pytest.approx(0.5) and math.isnan(resumed.records[1].dice[1])
    assert resumed.records[1].mean_dice == pytest.approx(0.5)


def test_progress_rows_read_back_on_resume_are_written_unchanged(tmp_path: Path) -> None:
    from thigh_trainer.training.progress_log import EpochRecord

    log = ProgressLog(tmp_path, num_classes=4)
    # the mean of these Dice values (0.01000173) rounds up, that of the rounded values (0.01000133) down
    log.add(EpochRecord(1, 0.123456789, 0.9, (0.0100014, 0.0100014, 0.0100024), 1.23456789e-4, 2.0))
    written = (tmp_path / "progress.csv").read_text()
    resumed = ProgressLog(tmp_path, num_classes=4, resume_epoch=1)
    resumed.write_table()
    assert (tmp_path / "progress.csv").read_text() == written


@pytest.mark.parametrize(("native", "expected"), [(True, "bf16"), (False, "fp32")])
def test_auto_precision_on_the_cpu_follows_native_bf16(monkeypatch, native: bool, expected: str) -> None:
    from thigh_networks import precision

    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: native)
    assert choose_precision("auto", CPU).name == expected
    assert precision.mixed_precision_by_default(CPU) is native
