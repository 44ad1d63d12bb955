"""The epoch loop of one network: one orientation of ``2d``/``2d5``, or the ``3d`` network.

Every epoch draws ``iterations_per_epoch`` augmented batches from a batch stream seeded by
(seed, rank, epoch), so a resumed run draws the same batches as an uninterrupted one; then
it scores a fixed set of validation batches (loss and hard Dice), writes the progress
files and ``checkpoint_latest.pt``, and ``checkpoint_best.pt`` when the validation mean
Dice improved. The deadline is checked after every iteration: when it passes, the epoch
ends there (a partial epoch, its iteration count logged), the network is scored and saved
as usual, and training stops. After the last epoch, or the one the deadline cut, it
writes ``checkpoint_final.pt``. ``checkpoint_best.pt`` is written before ``checkpoint_latest.pt``,
so a run killed between the two (SIGKILL, out of memory) redoes that epoch on ``--resume``
and ends with the same files as an uninterrupted run. An epoch that runs longer than a minute logs its progress.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import time
from pathlib import Path

import torch
from tqdm import tqdm

from thigh_networks import checkpoint as ckpt
from thigh_planner.plans import NetworkTopology, TrainingSettings
from thigh_trainer.training.distributed import (
    all_reduce_sum,
    broadcast_flag,
    broadcast_value,
    wrap_model,
)
from thigh_trainer.training.jobs import NetworkJob, Runtime
from thigh_trainer.training.pretrained import freeze_encoder, load_pretrained
from thigh_trainer.training.progress_log import EpochRecord, ProgressLog
from thigh_trainer.training.schedule import BudgetProgress, build_optimizer, build_scheduler
from thigh_trainer.training.steps import out_of_memory, score_batches, scores_to_metrics, train_step
from thigh_trainer.training.training_state import check_plans_hash, restore_training_state, training_state
from thigh_trainer.training.validation_batches import draw_validation_batches

logger = logging.getLogger(__name__)
EPOCH_SEED_STRIDE = 7919
"""Distance between the data seeds of consecutive epochs."""
PROGRESS_LOG_SECONDS = 60.0
"""Within an epoch, log the iteration count and loss at most this often."""


@dataclasses.dataclass(frozen=True)
class EpochOutcome:
    """What one (possibly cut) epoch did.

    Attributes:
        mean_loss: Mean finite training loss (NaN when none was finite).
        iterations: Iterations run (fewer than planned when the deadline cut the epoch).
        cut_by_deadline: Whether the deadline ended the epoch early.
    """

    mean_loss: float
    iterations: int
    cut_by_deadline: bool


@dataclasses.dataclass(frozen=True)
class NetworkOutcome:
    """How training of one network ended."""

    epochs_completed: int
    best_metric: float
    stopped_by_deadline: bool
    skipped: bool = False


def build_loss_function(topology: NetworkTopology, training: TrainingSettings) -> torch.nn.Module:
    """The plans' loss, wrapped for deep supervision when the network has it."""
    from thigh_trainer.losses import DeepSupervisionLoss, build_loss

    base = build_loss(training.loss, topology.num_classes)
    if topology.deep_supervision and topology.num_stages > 1:
        return DeepSupervisionLoss(base, topology.num_stages - 1)
    return base


def is_finished(folder: Path, epochs: int, plans_sha1: str) -> bool:
    """Whether ``folder`` holds a final checkpoint that reached ``epochs``."""
    final = folder / ckpt.FINAL
    if not final.is_file():
        return False
    content = ckpt.load_checkpoint(final, required=("epoch", "plans_sha1"))
    check_plans_hash(final, content, plans_sha1)
    return int(content["epoch"]) >= epochs


def train_network(job: NetworkJob, runtime: Runtime) -> NetworkOutcome:
    """Train one network to ``job.training.epochs`` (or until the deadline), resuming if asked.

    Raises:
        CheckpointError: For a damaged checkpoint or one of other plans when resuming.
        ThighSegError: When the GPU runs out of memory (naming ``--batch-size``).
    """
    from thigh_networks import build_network

    context, device, precision = runtime.context, runtime.device, runtime.precision
    epochs, num_classes = job.training.epochs, job.topology.num_classes
    if job.resume and is_finished(job.folder, epochs, job.plans_sha1):
        logger.info("%s: already trained for %d epochs; skipping", job.name, epochs)
        return NetworkOutcome(epochs, math.nan, False, skipped=True)
    torch.manual_seed(job.seed)
    network = build_network(job.topology).to(device)
    latest = job.folder / ckpt.LATEST
    if job.pretrained is not None and not (job.resume and latest.is_file()):
        load_pretrained(network, job.pretrained, job.name)
    if job.freeze_encoder:
        logger.info(
            "%s: encoder frozen (%d weights); training decoder and heads", job.name, freeze_encoder(network)
        )
    optimizer = build_optimizer(network.parameters(), job.training)
    total_iterations = job.training.epochs * job.training.iterations_per_epoch
    budget = BudgetProgress(job.deadline)
    scheduler = build_scheduler(optimizer, job.training.lr_schedule, total_iterations, budget)
    scaler = precision.scaler()
    start_epoch, best = 0, -math.inf
    if context.is_main:
        ckpt.remove_leftovers(job.folder)
    if job.resume and latest.is_file():
        content = ckpt.load_checkpoint(latest, map_location=device)
        check_plans_hash(latest, content, job.plans_sha1)
        restore_training_state(content, network, optimizer, scheduler, scaler, latest)
        start_epoch, best = int(content["epoch"]), float(content["best_metric"])
        logger.info("%s: resuming after epoch %d from %s", job.name, start_epoch, latest)
    elif job.resume:
        logger.info("%s: no %s to resume from; starting at epoch 1", job.name, latest)
    model = wrap_model(network, context, device, find_unused_parameters=job.topology.deep_supervision)
    loss_function = build_loss_function(job.topology, job.training).to(device)
    log = ProgressLog(job.folder, num_classes, resume_epoch=start_epoch) if context.is_main else None
    validation = draw_validation_batches(job, context)
    stopped, completed, last_iterations = False, start_epoch, job.training.iterations_per_epoch
    if log is not None:
        log.attach()
    try:
        logger.info(
            "%s: %d epochs x %d iterations, batch %d, patch %s, %s on %s",
            job.name,
            epochs,
            job.training.iterations_per_epoch,
            job.batch_size,
            "x".join(map(str, job.patch_size)),
            precision.name,
            device,
        )
        for epoch in range(start_epoch, epochs):
            started = time.monotonic()
            try:
                outcome = run_epoch(
                    job, runtime, model, loss_function, optimizer, scheduler, scaler, epoch, budget
                )
                train_loss = outcome.mean_loss
                scores = score_batches(network, validation, loss_function, num_classes, device, precision)
            except torch.cuda.OutOfMemoryError as error:
                raise out_of_memory(job.batch_size, job.name) from error
            totals = all_reduce_sum(scores, context)
            val_loss, dice = scores_to_metrics(totals, num_classes)
            record = EpochRecord(
                epoch + 1,
                train_loss,
                val_loss,
                dice,
                optimizer.param_groups[0]["lr"],
                time.monotonic() - started,
            )
            improved = not math.isnan(record.mean_dice) and record.mean_dice > best
            best = record.mean_dice if improved else best
            if context.is_main:
                logger.info(
                    "%s epoch %d/%d: train loss %.4f, val loss %.4f, val mean Dice %.4f, lr %.3g, %.1f s",
                    job.name,
                    epoch + 1,
                    epochs,
                    train_loss,
                    val_loss,
                    record.mean_dice,
                    record.lr,
                    record.seconds,
                )
                log.add(record)
                content = training_state(network, optimizer, scheduler, scaler, epoch + 1, best, job)
                if improved:  # before latest: a kill between the two redoes this epoch, and its best
                    ckpt.save_checkpoint(job.folder / ckpt.BEST, content)
                ckpt.save_checkpoint(latest, content)
            completed, last_iterations = epoch + 1, outcome.iterations
            if runtime.on_epoch_end is not None:
                runtime.on_epoch_end(record)
            past_deadline = outcome.cut_by_deadline or _past(job.deadline)
            if broadcast_flag(past_deadline, context) and (epoch + 1 < epochs or outcome.cut_by_deadline):
                logger.warning(
                    "%s: time budget used up in epoch %d of %d (%d of %d iterations)",
                    job.name,
                    epoch + 1,
                    epochs,
                    outcome.iterations,
                    job.training.iterations_per_epoch,
                )
                stopped = True
                break
        if context.is_main:
            content = training_state(network, optimizer, scheduler, scaler, completed, best, job)
            content["stopped_by_deadline"] = stopped
            content["last_epoch_iterations"] = last_iterations
            ckpt.save_checkpoint(job.folder / ckpt.FINAL, content)
            logger.info("%s: finished after %d epochs (best val mean Dice %.4f)", job.name, completed, best)
    finally:
        if log is not None:
            log.detach()
    return NetworkOutcome(completed, best, stopped)


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def run_epoch(
    job: NetworkJob,
    runtime: Runtime,
    model: torch.nn.Module,
    loss_function: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    scaler: torch.amp.GradScaler,
    epoch: int,
    budget: BudgetProgress | None = None,
) -> EpochOutcome:
    """Train one epoch on a freshly seeded batch stream, or until ``job.deadline`` passes.

    The deadline is checked after every iteration through ``budget`` (with DDP, every rank takes
    rank 0's share of the budget, so all ranks run the same number of steps and use the same
    learning rate).
    """
    budget = budget if budget is not None else BudgetProgress(job.deadline)
    from thigh_trainer.data.pipeline import make_batch_stream

    training = job.training
    context = runtime.context
    seed = context.data_seed(job.seed + EPOCH_SEED_STRIDE * (epoch + 1))
    stream = make_batch_stream(
        job.train_legs,
        job.orientation,
        job.patch_size,
        job.batch_size,
        job.offset,
        augmentation=training.augmentation,
        oversample_foreground=training.oversample_foreground,
        seed=seed,
        num_workers=job.workers,
    )
    model.train()
    losses: list[float] = []
    cut = False
    started = last_report = time.monotonic()
    with contextlib.closing(stream):
        batches = iter(stream)
        progress = tqdm(
            range(training.iterations_per_epoch),
            desc=f"{job.name} {epoch + 1}",
            disable=not context.is_main or None,
            leave=False,
        )
        for iteration in progress:
            loss = train_step(
                model,
                next(batches),
                loss_function,
                optimizer,
                scheduler,
                scaler,
                precision=runtime.precision,
                device=runtime.device,
            )
            if not math.isfinite(loss):
                logger.warning("%s epoch %d: non-finite training loss %s", job.name, epoch + 1, loss)
            losses.append(loss)
            now = time.monotonic()
            if context.is_main and now - last_report >= PROGRESS_LOG_SECONDS:
                logger.info(
                    "%s epoch %d: iteration %d/%d, loss %.4f, %.2f iterations/s",
                    job.name,
                    epoch + 1,
                    iteration + 1,
                    training.iterations_per_epoch,
                    loss,
                    (iteration + 1) / (now - started),
                )
                last_report = now
            last = iteration + 1 == training.iterations_per_epoch
            if job.deadline is not None:
                used = budget.sync(lambda share: broadcast_value(share, context))
                if used >= 1.0 and not last:
                    cut = True
                    break
    finite = [value for value in losses if math.isfinite(value)]
    return EpochOutcome(sum(finite) / len(finite) if finite else math.nan, len(losses), cut)
