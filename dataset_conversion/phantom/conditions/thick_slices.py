"""Thick slices: the case is sampled at 5 mm slice spacing over the same z range.

Each slice is the scene at its centre plane, blurred across slices by the
usual slice profile (0.4 slice, i.e. 2 mm); the partial volume of a real 5 mm
slab integrated over its thickness is not modelled.
"""

from __future__ import annotations

import math
from dataclasses import replace

from dataset_conversion.phantom.conditions.base import Condition, Params
from dataset_conversion.phantom.grid import GridSpec
from dataset_conversion.phantom.leg_frame import LegFrame
from dataset_conversion.phantom.parameters import SubjectParams

THICK_SLICE_MM = 5.0


class ThickSlices(Condition):
    """5 mm slices."""

    name = "thick-slices"
    summary = "5 mm slice spacing"

    def sample(self, rng, value, sides) -> Params:
        """Draw this condition's parameters of a case."""
        return {"slice_spacing_mm": THICK_SLICE_MM}

    def grid(
        self, grid: GridSpec, subject: SubjectParams, frames: list[LegFrame], params: Params
    ) -> GridSpec:
        """Stage 3: 5 mm slices over the same z range."""
        nz, ny, nx = grid.shape
        extent = (nz - 1) * grid.spacing[2]
        nz = int(math.ceil(extent / THICK_SLICE_MM - 1e-6)) + 1
        return replace(grid, shape=(nz, ny, nx), spacing=(grid.spacing[0], grid.spacing[1], THICK_SLICE_MM))
