"""Reconstruction circle: voxels outside the scanner's circular field of view get a padding value.

The circle is centred on the scanner axis (the midline x = 0 and the centre of
the grid in y) with a radius of 90-100 % of half the in-plane field of view.
Labels outside it are 0. The padding is stored as HU: ``-2048`` and ``-3024``
as such, and ``dicom0`` (a DICOM pixel value 0 with rescale intercept -1024) as
-1024 HU.
"""

from __future__ import annotations

import numpy as np

from dataset_conversion.phantom.conditions.base import Condition, Params
from dataset_conversion.phantom.grid import GridSpec

PADDING_HU: dict[str, int] = {"-2048": -2048, "-3024": -3024, "dicom0": -1024}
"""Padding choices and the HU written for each."""


def outside_circle(grid: GridSpec, centre: tuple[float, float], radius: float) -> np.ndarray:
    """In-plane mask ``(ny, nx)`` of the voxel centres outside the circle."""
    x, y = grid.axis(0)[None, :], grid.axis(1)[:, None]
    return (x - centre[0]) ** 2 + (y - centre[1]) ** 2 > radius**2


class ReconstructionCircle(Condition):
    """Padding outside a circular reconstruction field of view."""

    name = "circle"
    summary = "padding value outside a circular reconstruction field of view (-2048, -3024 or dicom0)"
    choices = tuple(PADDING_HU)

    def sample(self, rng: np.random.Generator, value: str | None, sides: tuple[str, ...]) -> Params:
        """Draw this condition's parameters of a case."""
        padding = value or str(rng.choice(list(PADDING_HU)))
        return {
            "padding": padding,
            "padding_hu": PADDING_HU[padding],
            "radius_fraction": round(float(rng.uniform(0.9, 1.0)), 4),
        }

    def image(self, image: np.ndarray, labels: np.ndarray, grid: GridSpec, params: Params) -> None:
        """Stage 6: pad outside the circle, clear its labels."""
        ny, sy = grid.shape[1], grid.spacing[1]
        centre = (0.0, float(grid.origin[1] + 0.5 * (ny - 1) * sy))
        radius = 0.5 * ny * sy * params["radius_fraction"]
        params["centre_xy_mm"] = [round(c, 3) for c in centre]
        params["radius_mm"] = round(radius, 3)
        outside = outside_circle(grid, centre, radius)
        image[:, outside] = params["padding_hu"]
        labels[:, outside] = 0
