"""The registry of conditions, parsing of ``--condition`` values, and the conditions active in one case."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from dataset_conversion.phantom.conditions.arms import Arms
from dataset_conversion.phantom.conditions.atrophy import Atrophy
from dataset_conversion.phantom.conditions.base import Condition, Params, Range
from dataset_conversion.phantom.conditions.circle import ReconstructionCircle
from dataset_conversion.phantom.conditions.knee import Knee
from dataset_conversion.phantom.conditions.low_dose import LowDose
from dataset_conversion.phantom.conditions.metal import Metal
from dataset_conversion.phantom.conditions.thick_slices import ThickSlices
from dataset_conversion.phantom.conditions.truncation import Truncation
from dataset_conversion.phantom.conditions.whole_body import WholeBody
from thigh_common.errors import InvalidInputError

if TYPE_CHECKING:
    from dataset_conversion.phantom.grid import GridSpec
    from dataset_conversion.phantom.leg_frame import LegFrame
    from dataset_conversion.phantom.parameters import SubjectParams
    from dataset_conversion.phantom.parts import Part

CONDITIONS: dict[str, Condition] = {
    condition.name: condition
    for condition in (
        ThickSlices(),
        LowDose(),
        WholeBody(),
        Knee(),
        Truncation(),
        Arms(),
        Metal(),
        ReconstructionCircle(),
        Atrophy(),
    )
}
"""All conditions by name, in the order their hooks run within a stage (thick slices before truncation,
whole body before the knee pose, which grows the field of view around the shins that whole body adds)."""


def parse_conditions(specs: Sequence[str]) -> tuple[str, ...]:
    """Check and normalise ``--condition`` values.

    Args:
        specs: Values as given, each a comma-separated list of ``NAME`` or ``NAME=VALUE``.

    Returns:
        The conditions as ``NAME`` or ``NAME=VALUE`` strings in registry order.

    Raises:
        InvalidInputError: For an unknown name or value, a value where none is taken, or a repeated name.
    """
    given: dict[str, str | None] = {}
    for spec in specs:
        for item in spec.split(","):
            item = item.strip()
            if not item:
                continue
            name, _, value = item.partition("=")
            name, value = name.strip(), value.strip()
            if name not in CONDITIONS:
                raise InvalidInputError(
                    f"unknown --condition {name!r}; expected one of {', '.join(CONDITIONS)} "
                    "(see documentation/thigh_synth.md)"
                )
            choices = CONDITIONS[name].choices
            if "=" in item and not choices:
                raise InvalidInputError(f"--condition {name} takes no value, got {item!r}")
            if "=" in item and value not in choices:
                raise InvalidInputError(
                    f"unknown value {value!r} for --condition {name}; expected one of {', '.join(choices)} "
                    f"(or {name} alone to draw one per case)"
                )
            if name in given:
                raise InvalidInputError(f"--condition {name} is given twice; give each condition once")
            given[name] = value if "=" in item else None
    return tuple(f"{name}={given[name]}" if given[name] else name for name in CONDITIONS if name in given)


def condition_rng(seed: int, index: int, name: str) -> np.random.Generator:
    """Random generator of condition ``name`` in case ``index`` of the dataset with ``seed``.

    It is independent of the case's own generator, so adding a condition leaves the subject unchanged.
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(index), zlib.crc32(name.encode())]))


class ActiveConditions:
    """The conditions of one case with their drawn parameters; each stage runs them in registry order.

    Args:
        specs: Normalised condition strings (see :func:`parse_conditions`).
        seed: Dataset seed.
        index: Case index.
        sides: Legs in view.
    """

    def __init__(self, specs: Sequence[str], seed: int, index: int, sides: tuple[str, ...]):
        self.items: list[tuple[Condition, Params]] = []
        for spec in parse_conditions(specs):
            name, _, value = spec.partition("=")
            condition = CONDITIONS[name]
            params = {
                "value": value or None,
                **condition.sample(condition_rng(seed, index, name), value or None, sides),
            }
            self.items.append((condition, params))

    def __bool__(self) -> bool:
        return bool(self.items)

    def subject(self, subject: SubjectParams) -> SubjectParams:
        """Stage 1 of every condition."""
        for condition, params in self.items:
            subject = condition.subject(subject, params)
        return subject

    def field_of_view(
        self, subject: SubjectParams, frames: list[LegFrame], z_range: Range, y_range: Range
    ) -> tuple[Range, Range]:
        """Stage 2 of every condition."""
        for condition, params in self.items:
            z_range, y_range = condition.field_of_view(subject, frames, z_range, y_range, params)
        return z_range, y_range

    def grid(self, grid: GridSpec, subject: SubjectParams, frames: list[LegFrame]) -> GridSpec:
        """Stage 3 of every condition."""
        for condition, params in self.items:
            grid = condition.grid(grid, subject, frames, params)
        return grid

    def parts(self, subject: SubjectParams, frames: list[LegFrame]) -> list[Part]:
        """Stage 4 of every condition."""
        return [part for condition, params in self.items for part in condition.parts(subject, frames, params)]

    def clean(self, clean: np.ndarray, grid: GridSpec) -> None:
        """Stage 5 of every condition."""
        for condition, params in self.items:
            condition.clean(clean, grid, params)

    def image(self, image: np.ndarray, labels: np.ndarray, grid: GridSpec) -> None:
        """Stage 6 of every condition."""
        for condition, params in self.items:
            condition.image(image, labels, grid, params)

    def record(self) -> dict[str, Any]:
        """The parameters of each condition, for the case's truth JSON."""
        return {condition.name: params for condition, params in self.items}
