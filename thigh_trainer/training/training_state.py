"""The content of a training checkpoint: every state needed to continue a network's training.

Example:
    >>> content = training_state(network, optimizer, scheduler, scaler, 3, 0.8, job)  # doctest: +SKIP
    >>> restore_training_state(content, network, optimizer, scheduler, scaler, path)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import torch

from thigh_networks import checkpoint as ckpt
from thigh_trainer.training.distributed import unwrap_model
from thigh_trainer.training.jobs import NetworkJob
from thigh_trainer.training.rng_states import capture_rng_states, restore_rng_states


def training_state(
    network: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    scaler: torch.amp.GradScaler,
    epoch: int,
    best: float,
    job: NetworkJob,
) -> dict[str, Any]:
    """The checkpoint content after ``epoch`` completed epochs."""
    return {
        "network": unwrap_model(network).state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "grad_scaler": scaler.state_dict(),
        "epoch": epoch,
        "best_metric": best,
        "rng": capture_rng_states(),
        "plans_sha1": job.plans_sha1,
        "network_name": job.name,
        "topology": dataclasses.asdict(job.topology),
        "patch_size": list(job.patch_size),
    }


def restore_training_state(
    content: dict[str, Any],
    network: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    scaler: torch.amp.GradScaler,
    path: Path,
) -> None:
    """Load a checkpoint's states into the training objects.

    Raises:
        CheckpointError: If the states do not fit (another network, a damaged file).
    """
    try:
        network.load_state_dict(content["network"])
        optimizer.load_state_dict(content["optimizer"])
        scheduler.load_state_dict(content["scheduler"])
        if content["grad_scaler"] and scaler.is_enabled():
            scaler.load_state_dict(content["grad_scaler"])
        restore_rng_states(content["rng"])
    except (RuntimeError, KeyError, ValueError, TypeError) as error:
        raise ckpt.damaged(
            path, f"its states do not fit this network: {str(error).splitlines()[0]}"
        ) from error


def check_plans_hash(path: Path, content: dict[str, Any], plans_sha1: str) -> None:
    """Refuse a checkpoint trained with other plans than ``plans_sha1``.

    Raises:
        CheckpointError: Naming the checkpoint and what to do.
    """
    if content.get("plans_sha1") != plans_sha1:
        raise ckpt.CheckpointError(
            f"checkpoint {path} was trained with other plans (plans hash {content.get('plans_sha1')} "
            f"instead of {plans_sha1}); use a new --results folder or delete it"
        )
