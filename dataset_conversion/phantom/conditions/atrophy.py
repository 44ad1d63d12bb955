"""Atrophy at follow-up: the same subject later, with smaller muscles and more fat in them, per leg.

A case rendered with ``atrophy`` is the case of the same seed and index without it
(same anatomy, pose, scanner and noise) at a later time point: each leg's muscle
scale shrinks by its own drawn factor, and its fat infiltration grows by its own
drawn amount. So a pair of runs, ``thigh_synth -o baseline --seed S`` and
``thigh_synth -o followup --seed S --condition atrophy=strong``, gives scans of the
same subjects at two time points with known change; the truth JSON records both
legs' factors and the truth labels give the true volume change per muscle.

``mild``: muscle scale x 0.85-0.95, infiltration + 0.01-0.03;
``strong``: muscle scale x 0.65-0.80, infiltration + 0.04-0.08 (drawn per leg).
The muscle compartment scales as ``muscle_scale ** 0.4`` across (see
:func:`~dataset_conversion.phantom.leg_frame.compartment_scale`), so ``strong``
loses about 22-35 % of the muscle volume (mild: 7-15 %; measured on 3 tiny cases).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from dataset_conversion.phantom.conditions.base import Condition, Params
from dataset_conversion.phantom.parameters import SubjectParams

LEVELS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "mild": ((0.85, 0.95), (0.01, 0.03)),
    "strong": ((0.65, 0.80), (0.04, 0.08)),
}
"""Per level: the range of the muscle-scale factor, and of the added fat infiltration."""
MUSCLE_SCALE_RANGE = (0.4, 1.1)
INFILTRATION_RANGE = (0.0, 0.2)


class Atrophy(Condition):
    """Muscle loss and fat infiltration at a later time point, drawn per leg."""

    name = "atrophy"
    summary = "the same subject at follow-up: muscle scale x 0.85-0.95 (mild) or 0.65-0.80 (strong), more fat"
    choices = tuple(LEVELS)

    def sample(self, rng: np.random.Generator, value: str | None, sides: tuple[str, ...]) -> Params:
        """Draw the level and each leg's factors (both legs always, so a one-leg case matches)."""
        level = value or str(rng.choice(tuple(LEVELS)))
        scale_range, infiltration_range = LEVELS[level]
        return {
            "level": level,
            "legs": {
                side: {
                    "muscle_scale_factor": round(float(rng.uniform(*scale_range)), 3),
                    "added_fat_infiltration": round(float(rng.uniform(*infiltration_range)), 3),
                }
                for side in ("right", "left")
            },
        }

    def subject(self, subject: SubjectParams, params: Params) -> SubjectParams:
        """Stage 1: shrink each leg's muscles and add fat to them."""
        legs = []
        for leg in subject.legs:
            change = params["legs"][leg.side]
            legs.append(
                replace(
                    leg,
                    muscle_scale=float(
                        np.clip(leg.muscle_scale * change["muscle_scale_factor"], *MUSCLE_SCALE_RANGE)
                    ),
                    fat_infiltration=float(
                        np.clip(leg.fat_infiltration + change["added_fat_infiltration"], *INFILTRATION_RANGE)
                    ),
                )
            )
        return replace(subject, legs=tuple(legs))
