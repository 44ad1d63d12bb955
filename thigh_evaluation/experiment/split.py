"""Hold out test cases: a seeded choice of which cases train and which test.

Cases are whole scans (both thighs of one patient), so no patient is on both sides.

Example:
    >>> choose_split([f"case_{i:02d}" for i in range(24)], train=19, test=5, seed=0).test
    ('case_03', ...)
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from thigh_common.errors import InvalidInputError

MIN_TRAINING_CASES = 2
"""The planner needs two cases for its cross-validation splits."""


@dataclass(frozen=True)
class ExperimentSplit:
    """The cases that train and the cases held out for testing (each sorted)."""

    train: tuple[str, ...]
    test: tuple[str, ...]


def choose_split(cases: Sequence[str], train: int | None, test: int, seed: int = 0) -> ExperimentSplit:
    """Pick ``test`` held-out cases at random (seeded) and ``train`` of the others.

    Args:
        cases: The dataset's case ids.
        train: Number of training cases; None for every case not held out.
        test: Number of held-out test cases.
        seed: Seed of the choice.

    Raises:
        InvalidInputError: If the numbers are below the minimum or exceed the cases available.
    """
    if test < 1:
        raise InvalidInputError(f"--test must be at least 1 case, found {test}")
    if train is not None and train < MIN_TRAINING_CASES:
        raise InvalidInputError(f"--train must be at least {MIN_TRAINING_CASES} cases, found {train}")
    available = len(cases)
    wanted = test + (train if train is not None else MIN_TRAINING_CASES)
    if wanted > available:
        raise InvalidInputError(
            f"the dataset has {available} cases, too few for --train {train if train is not None else 'rest'} "
            f"and --test {test} ({wanted} needed); lower them or add cases"
        )
    shuffled = sorted(cases)
    random.Random(seed).shuffle(shuffled)
    held_out = shuffled[:test]
    rest = shuffled[test:]
    training = rest if train is None else rest[:train]
    return ExperimentSplit(train=tuple(sorted(training)), test=tuple(sorted(held_out)))
