"""Changing plans: overrides given to ``build_plans`` and trainer flags via :func:`with_overrides`.

Overrides are nested dictionaries in the layout of ``plans.json``. They are
merged into the plans and the result is validated like a file, so a wrong
override is reported with its field path.

Example:
    >>> from thigh_planner.plans import FingerprintSummary, build_plans
    >>> summary = FingerprintSummary(24, (0.8, 0.8, 2.0), {"0.5": -60.0, "99.5": 140.0}, 50.0, 25.0, 420.0)
    >>> plans = build_plans(summary, "Dataset001_Thigh")
    >>> with_overrides(plans, "2d5", epochs=5, batch_size=4).configuration("2d5").training.epochs
    5
"""

from __future__ import annotations

import copy
import dataclasses
import math
from typing import Any

from thigh_planner.plans.errors import PlansError
from thigh_planner.plans.memory import estimate_memory_gb
from thigh_planner.plans.parsing import plans_from_dict
from thigh_planner.plans.schema import Plans, TrainingSettings, _jsonable

TRAINING_FIELDS: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(TrainingSettings))


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``override`` merged in: nested objects merge, other values replace."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = _jsonable(copy.deepcopy(value))
    return merged


def refresh_memory_estimates(plans: Plans) -> Plans:
    """Return ``plans`` with every ``estimated_memory_gb`` recomputed from network, patch and batch."""
    configurations = {}
    for name, configuration in plans.configurations.items():
        largest = max(configuration.patch_size.values(), key=math.prod)
        estimate = round(estimate_memory_gb(configuration.network, largest, configuration.batch_size), 2)
        configurations[name] = dataclasses.replace(configuration, estimated_memory_gb=estimate)
    return dataclasses.replace(plans, configurations=configurations)


def apply_overrides(plans: Plans, overrides: dict[str, Any], source: str = "overrides") -> Plans:
    """Merge nested ``overrides`` into ``plans``, validate, and refresh the memory estimates.

    Raises:
        PlansError: Naming every field the overrides made invalid.
    """
    if not isinstance(overrides, dict):
        raise PlansError(
            f"{source}: expected an object in the layout of plans.json, found {type(overrides).__name__}"
        )
    return refresh_memory_estimates(plans_from_dict(merge(plans.to_dict(), overrides), source=source))


def with_overrides(plans: Plans, config: str, **training_overrides: Any) -> Plans:
    """Return new plans with training settings (and the batch size) of one configuration changed.

    Args:
        plans: The plans to start from (unchanged).
        config: Configuration name (``2d``, ``2d5`` or ``3d``).
        **training_overrides: Fields of ``training`` (``epochs``, ``learning_rate``, ``loss``,
            ``augmentation={"rotation_deg": 10}``, ...) and ``batch_size``.

    Raises:
        PlansError: For an unknown configuration or field, or an invalid value.

    Example:
        >>> plans = with_overrides(plans, "2d5", learning_rate=3e-4)  # doctest: +SKIP
    """
    plans.configuration(config)
    unknown = sorted(set(training_overrides) - set(TRAINING_FIELDS) - {"batch_size"})
    if unknown:
        raise PlansError(
            f"cannot override {', '.join(unknown)} of configuration {config}; "
            f"expected batch_size or a training field: {', '.join(TRAINING_FIELDS)}"
        )
    change: dict[str, Any] = {"training": {k: v for k, v in training_overrides.items() if k != "batch_size"}}
    if "batch_size" in training_overrides:
        change["batch_size"] = training_overrides["batch_size"]
    return apply_overrides(plans, {"configurations": {config: change}}, source=f"overrides of {config}")
