"""Pair the observations of two configurations by case, leg and structure.

A paired test needs the same legs on both sides. Observations that one configuration has
and the other lacks are reported (a warning with counts), and so are pairs that lose a
side to an undefined value; only pairs defined on both sides enter a test.

Example:
    >>> reference, other = paired_values(obs_2d5, obs_2d, ("class", "gracilis"), "dice")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from thigh_common.errors import InvalidInputError
from thigh_evaluation.comparison.names import Structure
from thigh_evaluation.comparison.observations import LEG_KEY

logger = logging.getLogger(__name__)

_KEY = [*LEG_KEY, "kind", "structure"]


def check_overlap(observations: Mapping[str, pd.DataFrame], reference: str) -> None:
    """Make sure every configuration shares observations with the reference; warn about the rest.

    Args:
        observations: Observation frames by configuration name (see ``observation_frame``).
        reference: Name of the reference configuration.

    Raises:
        InvalidInputError: If a configuration has no (case, leg, structure) in common with the
            reference.
    """
    keys = {name: _keys(frame) for name, frame in observations.items()}
    for name, own in keys.items():
        if name == reference:
            continue
        common = own & keys[reference]
        if not common:
            raise InvalidInputError(
                f"no observations (case, leg, structure) in common between {reference} and {name}: "
                f"{reference} has cases {_cases(observations[reference])}, {name} has cases "
                f"{_cases(observations[name])}; compare evaluations of the same cases"
            )
        only_own, only_reference = len(own - common), len(keys[reference] - common)
        if only_own or only_reference:
            logger.warning(
                "%s has %d observation(s) (case, leg, structure) that %s lacks, and lacks %d of %s's; "
                "only observations present in both enter the paired tests",
                name,
                only_own,
                reference,
                only_reference,
                reference,
            )


def paired_values(
    reference: pd.DataFrame, other: pd.DataFrame, structure: Structure, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    """The values of one structure and metric for the legs where both configurations define them.

    Args:
        reference: Observation frame of the reference configuration.
        other: Observation frame of the other configuration.
        structure: ``(kind, structure)``.
        metric: Metric column, e.g. ``"dice"``.

    Returns:
        ``(reference_values, other_values)``, float arrays of equal length, paired by leg.
    """
    kind, name = structure
    sides = [
        frame.loc[(frame["kind"] == kind) & (frame["structure"] == name), [*LEG_KEY, metric]]
        for frame in (reference, other)
    ]
    merged = sides[0].merge(sides[1], on=LEG_KEY, suffixes=("_reference", "_other"), validate="one_to_one")
    defined = merged.dropna(subset=[f"{metric}_reference", f"{metric}_other"])
    if len(defined) < len(merged):
        logger.debug(
            "%s %s: %d of %d paired leg(s) lack a defined value on one side",
            name,
            metric,
            len(merged) - len(defined),
            len(merged),
        )
    return (
        defined[f"{metric}_reference"].to_numpy(dtype=float),
        defined[f"{metric}_other"].to_numpy(dtype=float),
    )


def _keys(frame: pd.DataFrame) -> set[tuple[str, ...]]:
    rows = frame.loc[frame["kind"] != "all", _KEY]
    return set(rows.itertuples(index=False, name=None))


def _cases(frame: pd.DataFrame, shown: int = 4) -> str:
    cases = sorted(frame["case"].unique())
    listed = ", ".join(cases[:shown])
    return f"{listed}, ... ({len(cases)} in all)" if len(cases) > shown else listed
