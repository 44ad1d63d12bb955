"""Knee pose: one knee bent, or the ankles crossed; only the shins below the knees move.

``bent``: the shin of one leg (side drawn) is flexed 20-45 degrees about the
knee's axis (through the femoral condyles), so it runs posteriorly. The thigh
keeps its pose, so the flexed shin would go through the table; the table
therefore ends 20-40 mm below that knee (the lower legs lie past its end, as
when a patient lies far down the table) and, where the shin leaves the grid,
rows are added at its posterior edge (the other voxels keep their place). ``crossed``: each shin in view turns towards the
midline so that, at a nominal shin length of 380 mm (x body scale), its ankle
lies 30-60 mm past the midline; one leg (side drawn) is lifted 8-12 degrees at
the knee to lie on the other. The crossing itself is below the default field of
view (which ends 100-140 mm below the knees): add ``whole-body`` to see the
ankles; without it only the upper shins converge.

The thigh and its labels are those of the same case without the condition
(see :mod:`~dataset_conversion.phantom.leg_frame` for how the shin is turned).
With ``whole-body`` the calf, ankle and foot follow the turned shin.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from dataset_conversion.phantom.conditions.base import Condition, Params, Range
from dataset_conversion.phantom.grid import GridSpec
from dataset_conversion.phantom.leg_frame import LegFrame
from dataset_conversion.phantom.parameters import SubjectParams

MODES = ("bent", "crossed")
NOMINAL_SHIN_MM = 380.0
"""Knee to ankle (x body scale) used to aim the crossed ankles (``whole-body`` draws 360-400 mm)."""
SHIN_REACH_MM = 450.0
"""How far below the knee (x body scale) the turned shin and foot may reach, for the field of view."""
SHIN_MARGIN_MM = 110.0
"""Calf, heel and fat around the shin's axis (x body scale), for the field of view."""


class Knee(Condition):
    """A bent knee or crossed ankles."""

    name = "knee"
    summary = "one knee bent 20-45 deg (the table ends below it), or the ankles crossed (with whole-body)"
    choices = MODES

    def sample(self, rng: np.random.Generator, value: str | None, sides: tuple[str, ...]) -> Params:
        """Draw the mode, the leg that bends or lies on top, and the angles."""
        return {
            "mode": value or str(rng.choice(MODES)),
            "side": str(rng.choice(sides)),
            "flexion_deg": round(float(rng.uniform(20.0, 45.0)), 2),
            "table_end_below_knee_mm": round(float(rng.uniform(20.0, 40.0)), 2),
            "ankle_past_midline_mm": round(float(rng.uniform(30.0, 60.0)), 2),
            "lift_deg": round(float(rng.uniform(8.0, 12.0)), 2),
        }

    def subject(self, subject: SubjectParams, params: Params) -> SubjectParams:
        """Stage 1: turn the shins (the thighs keep their pose)."""
        if params["mode"] == "bent":
            legs = tuple(
                replace(leg, knee_flexion=params["flexion_deg"]) if leg.side == params["side"] else leg
                for leg in subject.legs
            )
            knee_z = LegFrame(next(leg for leg in legs if leg.side == params["side"])).knee_centre_world[2]
            table_end = float(knee_z - params["table_end_below_knee_mm"])
            params["table_end_z_mm"] = round(table_end, 2)
            return replace(subject, legs=legs, table_end_z=table_end)
        shin = NOMINAL_SHIN_MM * subject.scale
        legs, adduction = [], {}
        for leg in subject.legs:
            frame = LegFrame(leg)
            ankle_x = frame.leg_to_world_point(np.array([0.0, 0.0, leg.femur_length + shin]))[0]
            medial = leg.sign * ankle_x + params["ankle_past_midline_mm"]  # how far the ankle must move
            angle = float(np.degrees(np.arcsin(np.clip(medial / shin, 0.0, 0.8))))
            adduction[leg.side] = round(angle, 2)
            lift = -params["lift_deg"] if leg.side == params["side"] else 0.0
            legs.append(replace(leg, knee_adduction=angle, knee_flexion=lift))
        params["adduction_deg"] = adduction
        return replace(subject, legs=tuple(legs))

    def field_of_view(
        self, subject: SubjectParams, frames: list[LegFrame], z_range: Range, y_range: Range, params: Params
    ) -> tuple[Range, Range]:
        """Stage 2: find how far posteriorly a shin bent past the table's end reaches; record the ankles."""
        s = subject.scale
        high = y_range[1]
        ankles = {}
        for frame in frames:
            length = frame.params.femur_length
            ankles[frame.params.side] = [
                round(float(c), 2)
                for c in frame.leg_to_world_point(np.array([0.0, 0.0, length + NOMINAL_SHIN_MM * s]))
            ]
            if not frame.params.knee_flexion > 0.0:
                continue
            reach = np.linspace(0.0, SHIN_REACH_MM * s, 46)
            axis = np.stack([frame.leg_to_world_point(np.array([0.0, 0.0, length + r])) for r in reach])
            inside = axis[:, 2] >= z_range[0]
            high = max(high, float(axis[inside, 1].max()) + SHIN_MARGIN_MM * s)
        params["nominal_ankle_mm"] = ankles
        params["_posterior_y_mm"] = high
        return z_range, y_range

    def grid(
        self, grid: GridSpec, subject: SubjectParams, frames: list[LegFrame], params: Params
    ) -> GridSpec:
        """Stage 3: add rows at the posterior edge for a bent shin (the other voxels keep their place)."""
        high = params.pop("_posterior_y_mm")
        last = grid.origin[1] + (grid.shape[1] - 1) * grid.spacing[1]
        extra = max(0, int(np.ceil((high - last) / grid.spacing[1])))
        params["rows_added"] = extra
        nz, ny, nx = grid.shape
        return replace(grid, shape=(nz, ny + extra, nx)) if extra else grid
