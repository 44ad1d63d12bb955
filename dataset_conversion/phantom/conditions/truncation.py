"""Truncation: the field of view cuts the thighs.

``distal``: the scan starts at mid-thigh and keeps only the distal part (down
to the shin); ``proximal``: it keeps the pelvis and the proximal part, ending
at mid-thigh; ``x``: one leg lies partly outside the image (the image edge runs
through that leg, 20-60 % of its mid-thigh width cut off). The cut level is
drawn between 40 and 60 % of the thigh (lesser trochanter to knee). The grid
is cropped, so the image and labels are cut the same way.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from dataset_conversion.phantom.conditions.base import Condition, Params
from dataset_conversion.phantom.grid import GridSpec
from dataset_conversion.phantom.leg_frame import LegFrame
from dataset_conversion.phantom.parameters import SubjectParams

MODES = ("distal", "proximal", "x")
THIGH_HALF_WIDTH_MM = 80.0
"""Nominal half width of a thigh at mid-level, used to place the image edge through a leg."""


def _thigh_level(frame: LegFrame, fraction: float) -> np.ndarray:
    """World point on the mechanical axis ``fraction`` of the way from the lesser trochanter to the knee."""
    lesser_w = frame.lesser_trochanter()[2]
    w = lesser_w + fraction * (frame.params.femur_length - lesser_w)
    return frame.leg_to_world_point(np.array([0.0, 0.0, w]))


class Truncation(Condition):
    """A field of view that cuts the thighs."""

    name = "truncation"
    summary = "field of view cuts the thighs: distal or proximal half only, or one leg partly outside in x"
    choices = MODES

    def sample(self, rng: np.random.Generator, value: str | None, sides: tuple[str, ...]) -> Params:
        """Draw this condition's parameters of a case."""
        return {
            "mode": value or str(rng.choice(MODES)),
            "cut_fraction": round(float(rng.uniform(0.4, 0.6)), 4),
            "cut_side": str(rng.choice(sides)),
            "width_cut_fraction": round(float(rng.uniform(0.2, 0.6)), 4),
        }

    def grid(
        self, grid: GridSpec, subject: SubjectParams, frames: list[LegFrame], params: Params
    ) -> GridSpec:
        """Stage 3: crop or resample the grid."""
        nz, ny, nx = grid.shape
        if params["mode"] == "x":
            frame = next(f for f in frames if f.params.side == params["cut_side"])
            centre_x = float(_thigh_level(frame, 0.5)[0])
            sign = frame.params.sign
            edge = centre_x + sign * THIGH_HALF_WIDTH_MM * (1.0 - 2.0 * params["width_cut_fraction"])
            x = grid.axis(0)
            keep = np.flatnonzero(x <= edge) if sign > 0 else np.flatnonzero(x >= edge)
            params["image_edge_x_mm"] = round(edge, 2)
            origin = (grid.origin[0] + int(keep[0]) * grid.spacing[0], grid.origin[1], grid.origin[2])
            return replace(grid, shape=(nz, ny, int(keep.size)), origin=origin)
        cut_z = float(np.mean([_thigh_level(frame, params["cut_fraction"])[2] for frame in frames]))
        z = grid.axis(2)
        keep = np.flatnonzero(z <= cut_z) if params["mode"] == "distal" else np.flatnonzero(z >= cut_z)
        params["cut_z_mm"] = round(cut_z, 2)
        origin = (grid.origin[0], grid.origin[1], grid.origin[2] + int(keep[0]) * grid.spacing[2])
        return replace(grid, shape=(int(keep.size), ny, nx), origin=origin)
