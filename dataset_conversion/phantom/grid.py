"""Voxel grids of the phantom sizes, chosen per case to hold the subject from iliac crest to shin."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thigh_common.errors import InvalidInputError

SIZES: dict[str, dict[str, tuple[float, float] | int]] = {
    "tiny": {"matrix": 128, "spacing": (3.9, 4.1), "slice": (4.8, 5.2)},
    "small": {"matrix": 256, "spacing": (1.9, 2.1), "slice": (2.0, 3.0)},
    "clinical": {"matrix": 512, "spacing": (0.7, 0.9), "slice": (1.0, 1.5)},
}
"""In-plane matrix, in-plane spacing range and slice spacing range (mm) of each size."""

ONE_LEG_FRACTION = 0.6
"""In-plane width of a one-leg field of view, as a fraction of the two-leg matrix."""


@dataclass(frozen=True)
class GridSpec:
    """A canonical voxel grid with identity direction.

    Attributes:
        shape: Array shape ``(nz, ny, nx)`` in SimpleITK's numpy order.
        spacing: ``(sx, sy, sz)`` in mm.
        origin: World position ``(x, y, z)`` of voxel ``(0, 0, 0)``.
    """

    shape: tuple[int, int, int]
    spacing: tuple[float, float, float]
    origin: tuple[float, float, float]

    def axis(self, axis: int) -> np.ndarray:
        """World coordinates (float32) of the voxel centres along world axis 0 (x), 1 (y) or 2 (z)."""
        count = self.shape[2 - axis]
        return (self.origin[axis] + self.spacing[axis] * np.arange(count)).astype(np.float32)


def check_size(size: str) -> None:
    """Raise a clear error for an unknown size name."""
    if size not in SIZES:
        raise InvalidInputError(f"unknown phantom size {size!r}; expected one of {', '.join(SIZES)}")


def make_grid(
    size: str,
    rng: np.random.Generator,
    z_range: tuple[float, float],
    y_range: tuple[float, float],
    sides: tuple[str, ...],
) -> GridSpec:
    """Choose spacing and extent of one case.

    Args:
        size: ``tiny``, ``small`` or ``clinical``.
        rng: The case's random generator.
        z_range: World z range (mm) that must be covered, low to high.
        y_range: World y range (mm) of the body and table, anterior to posterior.
        sides: Rendered legs; with one leg the field of view is cropped to that side.

    Returns:
        The grid; the midline x = 0 lies at the centre for two legs.
    """
    check_size(size)
    spec = SIZES[size]
    matrix = int(spec["matrix"])
    spacing_xy = float(rng.uniform(*spec["spacing"]))
    spacing_z = float(rng.uniform(*spec["slice"]))
    fov = matrix * spacing_xy
    y_low, y_high = y_range
    y_centre = 0.5 * (y_low + y_high)
    y_centre = max(y_centre, y_high + 5.0 - 0.5 * fov)  # keep the table in view
    nz = int(np.ceil((z_range[1] - z_range[0]) / spacing_z)) + 1
    if len(sides) == 2:
        nx = matrix
        x0 = -0.5 * (nx - 1) * spacing_xy
    else:
        nx = int(round(matrix * ONE_LEG_FRACTION))
        medial_margin = 0.1 * fov
        x0 = -medial_margin if sides[0] == "left" else medial_margin - (nx - 1) * spacing_xy
    y0 = y_centre - 0.5 * (matrix - 1) * spacing_xy
    return GridSpec(
        shape=(nz, matrix, nx),
        spacing=(spacing_xy, spacing_xy, spacing_z),
        origin=(float(x0), float(y0), float(z_range[0])),
    )
