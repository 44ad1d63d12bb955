"""Optimiser and learning-rate schedule from the plans' training settings.

The ``inverse_time`` schedule is Keras' ``decay``: ``lr = lr0 / (1 + decay * iteration)``,
counted in optimiser steps (call ``scheduler.step()`` after every ``optimizer.step()``).

Example:
    >>> import torch
    >>> from thigh_planner.plans import LrSchedule
    >>> weight = torch.nn.Parameter(torch.zeros(1))
    >>> optimizer = torch.optim.SGD([weight], lr=1.0)
    >>> scheduler = build_scheduler(optimizer, LrSchedule("inverse_time", 1.0))
    >>> optimizer.step(); scheduler.step()
    >>> optimizer.param_groups[0]["lr"]
    0.5
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

from thigh_planner.plans import LrSchedule, TrainingSettings

SGD_MOMENTUM = 0.99
"""nnU-Net's SGD momentum (Nesterov)."""


def build_optimizer(
    parameters: Iterable[torch.nn.Parameter], training: TrainingSettings
) -> torch.optim.Optimizer:
    """Build the optimiser named by ``training.optimizer`` (``adam`` or ``sgd``).

    Args:
        parameters: The network's parameters.
        training: The configuration's training settings (learning rate, betas, weight decay).

    Raises:
        ValueError: For an optimiser name the plans schema does not know.
    """
    if training.optimizer == "adam":
        return torch.optim.Adam(
            parameters,
            lr=training.learning_rate,
            betas=tuple(training.betas),
            weight_decay=training.weight_decay,
        )
    if training.optimizer == "sgd":
        return torch.optim.SGD(
            parameters,
            lr=training.learning_rate,
            momentum=SGD_MOMENTUM,
            nesterov=True,
            weight_decay=training.weight_decay,
        )
    raise ValueError(f"unknown optimizer {training.optimizer!r}; expected adam or sgd")


def learning_rate_factor(schedule: LrSchedule, iteration: int) -> float:
    """The factor applied to the initial learning rate after ``iteration`` optimiser steps."""
    if schedule.kind == "inverse_time":
        return 1.0 / (1.0 + schedule.decay * iteration)
    if schedule.kind == "constant":
        return 1.0
    raise ValueError(f"unknown learning-rate schedule {schedule.kind!r}; expected inverse_time or constant")


def build_scheduler(
    optimizer: torch.optim.Optimizer, schedule: LrSchedule
) -> torch.optim.lr_scheduler.LambdaLR:
    """Build a per-iteration ``LambdaLR`` for ``schedule`` (its state goes into checkpoints)."""
    learning_rate_factor(schedule, 0)  # reject an unknown kind now, not at the first step
    kind, decay = schedule.kind, schedule.decay
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda iteration: learning_rate_factor(LrSchedule(kind, decay), iteration)
    )
