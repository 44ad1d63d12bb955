"""Training one fold of a configuration end to end: what ``thigh_train CONFIG FOLD`` does.

Output in ``THIGH_RESULTS/DATASET/CONFIG/fold_F/``: ``plans.json`` and ``splits.json``
(copied, so the folder alone can predict), a folder per network (``axial``, ``coronal``,
``sagittal`` or ``volume``) with its checkpoints, ``training.json``, ``training_log.txt``,
``progress.csv`` and ``progress.png``, and ``validation/`` once every network of the
configuration is trained.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

from thigh_common.atomic import write_json_atomic
from thigh_common.errors import ThighSegError
from thigh_common.paths import working_folder
from thigh_networks import checkpoint as ckpt
from thigh_networks.precision import choose_precision, resolve_device
from thigh_planner.planning_run import plans_hash
from thigh_planner.plans import PLANS_FILE, VOLUME_NETWORK, Plans, load_plans, save_plans
from thigh_planner.splits import SPLITS_FILE
from thigh_trainer.training.distributed import barrier, cleanup_distributed, setup_distributed
from thigh_trainer.training.jobs import NetworkJob, Runtime
from thigh_trainer.training.label_volumes import write_label_volumes
from thigh_trainer.training.loop import train_network
from thigh_trainer.training.options import TrainingOptions
from thigh_trainer.training.planned_dataset import PlannedDataset, find_dataset, read_planned_dataset
from thigh_trainer.training.pretrained import find_pretrained
from thigh_trainer.training.progress_log import EpochRecord

logger = logging.getLogger(__name__)
TRAINING_FILE = "training.json"


def fold_folder_of(options: TrainingOptions, dataset_name: str) -> Path:
    """``THIGH_RESULTS/DATASET/CONFIG/fold_F`` of a run."""
    results = working_folder("THIGH_RESULTS", options.results_root)
    return results / dataset_name / options.configuration / options.fold_name


def prepare_fold_folder(
    folder: Path, dataset: PlannedDataset, options: TrainingOptions, names: tuple[str, ...]
) -> None:
    """Check that ``folder`` may be written by this run, then copy plans and splits into it.

    Raises:
        ThighSegError: When the folder was trained with other plans, or holds a training and
            ``--resume`` was not given.
    """
    copied = folder / PLANS_FILE
    if copied.is_file() and plans_hash(load_plans(copied)) != dataset.plans_sha1:
        raise ThighSegError(
            f"{folder} was trained with other plans (its plans.json differs from {dataset.folder / PLANS_FILE}); "
            "use a new --results folder or delete it"
        )
    if not options.resume:
        started = [name for name in names if (folder / name / ckpt.LATEST).exists()]
        if started:
            raise ThighSegError(
                f"{folder} already holds a training of {', '.join(started)}; pass --resume to continue it, "
                "or delete the folder (or use a new --results folder) to start over"
            )
    save_plans(dataset.plans, copied)
    write_json_atomic(dataset.splits, folder / SPLITS_FILE)


def train_fold(options: TrainingOptions, on_epoch_end: Callable[[EpochRecord], None] | None = None) -> Path:
    """Train the networks of ``options.configuration`` on one fold, then validate the fold.

    Args:
        options: What to train and how.
        on_epoch_end: Called after every epoch with its record (tests use it to interrupt).

    Returns:
        The fold's results folder.

    Raises:
        ThighSegError: For every problem the user can fix (no plans, unknown configuration or
            fold, results of other plans, a missing device, a damaged checkpoint, GPU out of memory).
    """
    with contextlib.ExitStack() as stack:  # holds an unpacked --pretrained archive while training
        return _train_fold(options, on_epoch_end, stack)


def _train_fold(
    options: TrainingOptions, on_epoch_end: Callable[[EpochRecord], None] | None, stack: contextlib.ExitStack
) -> Path:
    from thigh_trainer.data.legs import load_legs

    started = time.monotonic()
    device = resolve_device(options.device)
    precision = choose_precision(options.precision, device)
    root = working_folder("THIGH_PREPROCESSED", options.preprocessed_root)
    dataset = read_planned_dataset(find_dataset(root, options.dataset))
    dataset.plans.configuration(options.configuration)
    dataset.check_fold(options.fold)
    plans = options.apply_to(dataset.plans)
    configuration = plans.configuration(options.configuration)
    all_names = configuration.network_names
    names = options.network_names(configuration)
    train_names, val_names = dataset.fold_legs(options.fold)
    if not train_names:
        raise ThighSegError(f"{options.fold_name} of {dataset.name} has no training legs; check splits.json")
    folder = fold_folder_of(options, dataset.name)
    unpack = stack.enter_context(tempfile.TemporaryDirectory(prefix="thighseg-pretrained-"))
    pretrained = (
        find_pretrained(options.pretrained, plans, options.configuration, names, unpack)
        if options.pretrained
        else None
    )
    context, device = setup_distributed(device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed patch sizes: let cuDNN pick the fastest kernels
    try:
        if context.is_main:
            prepare_fold_folder(folder, dataset, options, names)
        barrier(context)
        logger.info(
            "training %s %s of %s: %d training legs, %d validation legs, networks %s",
            options.configuration,
            options.fold_name,
            dataset.name,
            len(train_names),
            len(val_names),
            ", ".join(names),
        )
        train_legs = load_legs(dataset.legs_folder, train_names)
        val_legs = load_legs(dataset.legs_folder, val_names) if val_names else []
        if context.is_main:
            write_label_volumes(folder, [leg.labels for leg in train_legs], plans.target_spacing_mm)
        runtime = Runtime(device, precision, context, on_epoch_end)
        for index, name in enumerate(names):
            job = NetworkJob(
                name=name,
                folder=folder / name,
                topology=configuration.network,
                patch_size=tuple(configuration.patch_size[name]),
                batch_size=context.local_batch_size(configuration.batch_size),
                training=configuration.training,
                offset=plans.neighbour_offset_slices.get(name, 0),
                train_legs=train_legs,
                val_legs=val_legs,
                plans_sha1=dataset.plans_sha1,
                seed=options.seed,
                workers=options.workers,
                validation_batches=options.validation_batches,
                resume=options.resume,
                deadline=_deadline(options, started, len(names) - index),
                pretrained=pretrained,
                freeze_encoder=options.freeze_encoder,
            )
            if context.is_main:
                write_json_atomic(
                    _training_record(options, plans, job, context.world_size), job.folder / TRAINING_FILE
                )
            train_network(job, runtime)
            if context.is_main and name != VOLUME_NETWORK:
                _write_calibration(job, options.seed)
        if context.is_main and val_names and options.final_validation:
            _validate_when_complete(
                folder, plans, options, all_names, val_names, dataset, device, precision.name
            )
        barrier(context)
    finally:
        cleanup_distributed(context)
    return folder


def _write_calibration(job: NetworkJob, seed: int) -> None:
    """Save inputs for quantising the 2D network to int8 (``thigh_predict --int8``) beside its checkpoint."""
    from thigh_inference.calibration import CALIBRATION_FILE, write_calibration

    if not (job.folder / ckpt.FINAL).is_file():
        return  # stopped before the end (deadline): no final network to calibrate yet
    images = [leg.image for leg in job.train_legs]
    write_calibration(job.folder / CALIBRATION_FILE, images, job.name, job.offset, job.patch_size, seed=seed)


def _deadline(options: TrainingOptions, started: float, networks_left: int) -> float | None:
    """The time after which the next network stops: the budget left, split over the networks left."""
    if options.max_minutes is None:
        return None
    now = time.monotonic()
    left = started + 60.0 * options.max_minutes - now
    return now + max(0.0, left) / networks_left


def _validate_when_complete(
    folder: Path,
    plans: Plans,
    options: TrainingOptions,
    names: tuple[str, ...],
    val_names: list[str],
    dataset: PlannedDataset,
    device: torch.device,
    precision: str,
) -> None:
    from thigh_trainer.training.validation import validate_fold

    missing = [name for name in names if not (folder / name / ckpt.FINAL).is_file()]
    if missing:
        logger.info(
            "final validation waits for the %s network(s): the run that trains the last of them validates",
            ", ".join(missing),
        )
        return
    validate_fold(
        folder, plans, options.configuration, val_names, dataset.legs_folder, device, amp=precision != "fp32"
    )


def _training_record(options: TrainingOptions, plans: Plans, job: NetworkJob, world_size: int) -> dict:
    """``training.json``: the options, the effective training settings and the run's set-up."""
    configuration = plans.configuration(options.configuration)
    return {
        "network": job.name,
        "options": options.to_dict(),
        "training": dataclasses.asdict(configuration.training),
        "batch_size": configuration.batch_size,
        "batch_size_per_process": job.batch_size,
        "world_size": world_size,
        "patch_size": list(job.patch_size),
        "neighbour_offset": job.offset,
        "train_legs": [leg.name for leg in job.train_legs],
        "val_legs": [leg.name for leg in job.val_legs],
        "plans_sha1": job.plans_sha1,
        "pretrained": None if job.pretrained is None else job.pretrained.record(job.name),
        "freeze_encoder": job.freeze_encoder,
    }
