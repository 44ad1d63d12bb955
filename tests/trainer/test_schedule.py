"""Learning-rate schedules over the planned steps and under a time budget; the optimisers."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from thigh_planner.plans import FingerprintSummary, LrSchedule, TrainingSettings, build_plans
from thigh_trainer.training.schedule import (
    BudgetProgress,
    build_optimizer,
    build_scheduler,
    learning_rate_factor,
)


def settings(optimizer: str = "adam") -> TrainingSettings:
    summary = FingerprintSummary(24, (0.8, 0.8, 2.0), {"0.5": -60.0, "99.5": 140.0}, 50.0, 25.0, 420.0)
    training = build_plans(summary, "D").configuration("2d5").training
    return dataclasses.replace(training, optimizer=optimizer, learning_rate=1.0, weight_decay=0.0)


def lrs(schedule: LrSchedule, total: int, steps: int, budget=None) -> list[float]:
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = build_optimizer([weight], settings())
    scheduler = build_scheduler(optimizer, schedule, total, budget)
    values = [optimizer.param_groups[0]["lr"]]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        values.append(optimizer.param_groups[0]["lr"])
    return values


@pytest.mark.parametrize(
    ("kind", "middle"), [("poly", 0.5**0.9), ("cosine", 0.5), ("constant", 1.0), ("inverse_time", 1 / 1.01)]
)
def test_schedules_over_the_planned_steps(kind: str, middle: float) -> None:
    values = lrs(LrSchedule(kind, 1e-3), total=10, steps=10)
    assert values[0] == pytest.approx(1.0)
    assert values[5] == pytest.approx(middle if kind != "inverse_time" else 1 / (1 + 5e-3))
    if kind in ("poly", "cosine"):
        assert values[10] == pytest.approx(0.0, abs=1e-12)
        assert all(a >= b for a, b in zip(values, values[1:], strict=False))


def test_a_time_budget_anneals_before_the_planned_steps() -> None:
    """Half the budget used after 1 of 1000 steps: poly is already at (1 - 0.5) ** 0.9."""
    now = [0.0]
    budget = BudgetProgress(deadline=100.0, clock=lambda: now[0])
    now[0] = 50.0
    assert budget() == 0.0  # the schedule reads the synced share only
    assert budget.sync() == 0.5
    values = lrs(LrSchedule("poly", 0.0), total=1000, steps=1, budget=budget)
    assert values[1] == pytest.approx(0.5**0.9)
    now[0] = 150.0
    assert budget.sync(lambda share: share / 2) == 0.5  # e.g. rank 0's share under DDP
    assert budget.measure() == 1.0
    assert BudgetProgress(None).sync() == 0.0


def test_unknown_schedule_and_optimizer_are_refused() -> None:
    with pytest.raises(ValueError, match="expected inverse_time, poly, cosine or constant"):
        learning_rate_factor(LrSchedule("step", 0.0), 0)
    with pytest.raises(ValueError, match="expected adam, adamw or sgd"):
        build_optimizer(
            [torch.nn.Parameter(torch.zeros(1))], dataclasses.replace(settings(), optimizer="lamb")
        )


@pytest.mark.parametrize(("name", "kind"), [("adam", torch.optim.Adam), ("adamw", torch.optim.AdamW)])
def test_optimizers(name: str, kind: type) -> None:
    optimizer = build_optimizer([torch.nn.Parameter(torch.zeros(1))], settings(name))
    assert type(optimizer) is kind
    assert math.isclose(optimizer.param_groups[0]["lr"], 1.0)
