"""Optimiser and learning-rate schedule from the plans' training settings.

Schedules, counted in optimiser steps (call ``scheduler.step()`` after every ``optimizer.step()``):

- ``inverse_time``: Keras' ``decay``, ``lr = lr0 / (1 + decay * iteration)`` (the paper's);
- ``poly``: nnU-Net's ``lr = lr0 * (1 - progress) ** 0.9``;
- ``cosine``: ``lr = lr0 * (1 + cos(pi * progress)) / 2``;
- ``constant``.

``progress`` runs from 0 to 1 over the planned ``epochs * iterations_per_epoch`` steps. Under a
time budget (``thigh_train --max-minutes``) it is the larger of that and the share of the
network's time already used, so a run cut by its budget still ends with the learning rate
annealed instead of at its peak. (Such a run depends on the machine's speed anyway.)

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

import math
import time
from collections.abc import Callable, Iterable

import torch

from thigh_planner.plans import LrSchedule, TrainingSettings

SGD_MOMENTUM = 0.99
"""nnU-Net's SGD momentum (Nesterov)."""
POLY_EXPONENT = 0.9
"""nnU-Net's polynomial decay exponent."""


def build_optimizer(
    parameters: Iterable[torch.nn.Parameter], training: TrainingSettings
) -> torch.optim.Optimizer:
    """Build the optimiser named by ``training.optimizer`` (``adam``, ``adamw`` or ``sgd``).

    Args:
        parameters: The network's parameters.
        training: The configuration's training settings (learning rate, betas, weight decay).

    Raises:
        ValueError: For an optimiser name the plans schema does not know.
    """
    if training.optimizer in ("adam", "adamw"):
        adam = torch.optim.Adam if training.optimizer == "adam" else torch.optim.AdamW
        return adam(
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
    raise ValueError(f"unknown optimizer {training.optimizer!r}; expected adam, adamw or sgd")


def learning_rate_factor(schedule: LrSchedule, iteration: int, progress: float = 0.0) -> float:
    """The factor applied to the initial learning rate.

    Args:
        schedule: The plans' schedule.
        iteration: Optimiser steps taken (``inverse_time``).
        progress: Share of the training done, 0..1 (``poly``, ``cosine``).
    """
    progress = min(max(progress, 0.0), 1.0)
    if schedule.kind == "inverse_time":
        return 1.0 / (1.0 + schedule.decay * iteration)
    if schedule.kind == "constant":
        return 1.0
    if schedule.kind == "poly":
        return (1.0 - progress) ** POLY_EXPONENT
    if schedule.kind == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    raise ValueError(
        f"unknown learning-rate schedule {schedule.kind!r}; expected inverse_time, poly, cosine or constant"
    )


class BudgetProgress:
    """The share of a network's time budget used, 0..1 (always 0 without a deadline).

    The schedule reads the last :meth:`sync` ed share, not the clock, so that with DDP every rank
    uses rank 0's share (the loop syncs after every step) and the ranks' learning rates agree.

    Args:
        deadline: ``time.monotonic()`` at which the network's budget ends, or None.
        clock: Time source (``time.monotonic``).
    """

    def __init__(self, deadline: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.started = clock()
        self.deadline = deadline
        self.shared = 0.0

    def measure(self) -> float:
        """The share used by this process's clock (0 without a deadline)."""
        if self.deadline is None:
            return 0.0
        span = self.deadline - self.started
        return 1.0 if span <= 0 else min(1.0, (self.clock() - self.started) / span)

    def sync(self, agree: Callable[[float], float] | None = None) -> float:
        """Measure the share, agree on it (e.g. rank 0's under DDP) and keep it for the schedule."""
        share = self.measure()
        self.shared = share if agree is None else float(agree(share))
        return self.shared

    def __call__(self) -> float:
        """The share of the last :meth:`sync` (what the schedule uses)."""
        return self.shared


def build_scheduler(
    optimizer: torch.optim.Optimizer,
    schedule: LrSchedule,
    total_iterations: int = 1,
    budget: Callable[[], float] | None = None,
) -> torch.optim.lr_scheduler.LambdaLR:
    """Build a per-iteration ``LambdaLR`` for ``schedule`` (its state goes into checkpoints).

    Args:
        optimizer: The optimiser.
        schedule: The plans' schedule.
        total_iterations: Planned optimiser steps of the network (``epochs * iterations_per_epoch``).
        budget: Share of the time budget used (a :class:`BudgetProgress`), or None.
    """
    learning_rate_factor(schedule, 0)  # reject an unknown kind now, not at the first step
    kind, decay = schedule.kind, schedule.decay
    total = max(1, int(total_iterations))

    def factor(iteration: int) -> float:
        progress = max(iteration / total, budget() if budget is not None else 0.0)
        return learning_rate_factor(LrSchedule(kind, decay), iteration, progress)

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
