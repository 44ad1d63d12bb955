"""Whole body: the field of view runs from the lower chest to the feet.

The z range grows up to 20-30 cm above the iliac crest (x body scale) and
down to the heels; the thighs then sit inside a long scan, and their range is
in the truth JSON (``legs.*.thigh_z_range_mm``) as for any case. The trunk
(:mod:`~dataset_conversion.phantom.conditions.trunk`) and the lower legs and
feet (:mod:`~dataset_conversion.phantom.conditions.lower_leg`) are simplified
and all background.
"""

from __future__ import annotations

import numpy as np

from dataset_conversion.phantom.conditions.base import Condition, Params, Range
from dataset_conversion.phantom.conditions.lower_leg import LowerLegPart
from dataset_conversion.phantom.conditions.trunk import TrunkPart
from dataset_conversion.phantom.leg_frame import LegFrame
from dataset_conversion.phantom.parameters import SubjectParams
from dataset_conversion.phantom.parts import Part


class WholeBody(Condition):
    """Lower chest to feet."""

    name = "whole-body"
    summary = "field of view from the lower chest to the feet (simplified trunk, lower legs and feet)"

    def sample(self, rng: np.random.Generator, value: str | None, sides: tuple[str, ...]) -> Params:
        """Draw the extent and tissue HU."""
        return {
            "above_crest_mm": round(float(rng.uniform(200.0, 300.0)), 2),
            "shin_mm": round(float(rng.uniform(360.0, 400.0)), 2),
            "foot_mm": round(float(rng.uniform(170.0, 200.0)), 2),
            "muscle_hu": round(float(rng.uniform(45.0, 60.0)), 1),
            "organ_hu": round(float(rng.uniform(35.0, 55.0)), 1),
            "lung_hu": round(float(rng.uniform(-870.0, -820.0)), 1),
        }

    def field_of_view(
        self, subject: SubjectParams, frames: list[LegFrame], z_range: Range, y_range: Range, params: Params
    ) -> tuple[Range, Range]:
        """Stage 2: extend z up over the trunk and down to the heels, y to the toes."""
        s = subject.scale
        top = subject.crest_height + params["above_crest_mm"] * s
        low, anterior = z_range[0], y_range[0]
        for frame in frames:
            ankle = frame.leg_to_world_point(
                np.array([0.0, 0.0, frame.params.femur_length + params["shin_mm"] * s])
            )
            low = min(low, ankle[2] - 80.0 * s)
            anterior = min(anterior, ankle[1] - params["foot_mm"] * s - 35.0)
        params["z_range_mm"] = [round(float(low), 2), round(float(top), 2)]
        return (float(low), float(max(top, z_range[1]))), (float(anterior), y_range[1])

    def parts(self, subject: SubjectParams, frames: list[LegFrame], params: Params) -> list[Part]:
        """Stage 4: the trunk and each leg's calf and foot."""
        s = subject.scale
        legs: list[Part] = [
            LowerLegPart(frame, params["shin_mm"] * s, params["foot_mm"] * s, params) for frame in frames
        ]
        return [TrunkPart(subject, params), *legs]
