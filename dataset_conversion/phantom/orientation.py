"""Direction-matrix options: store the same physical content with flipped or permuted axes.

The canonical volume has identity direction. A *layout* names, for each output
index axis (SimpleITK order i, j, k), the world axis it runs along and its
sign. Re-laying out an image changes array order, direction and origin but no
voxel's world position.
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

from thigh_common.errors import InvalidInputError

LAYOUTS: dict[str, tuple[tuple[int, int], ...]] = {
    "identity": ((0, 1), (1, 1), (2, 1)),
    "flip": ((0, -1), (1, -1), (2, 1)),
    "permute": ((1, -1), (2, -1), (0, 1)),
}
"""Per output index axis: (world axis, sign). ``flip`` is a RAS-stored scan; ``permute`` is
sagittal-like (i runs anterior, j inferior, k left)."""

DIRECTION_MODES = ("identity", "flip", "permute", "mixed")


def layout_for_case(mode: str, index: int) -> str:
    """Layout of case ``index`` under ``mode`` (``mixed`` cycles identity, flip, permute)."""
    if mode not in DIRECTION_MODES:
        raise InvalidInputError(
            f"unknown directions mode {mode!r}; expected one of {', '.join(DIRECTION_MODES)}"
        )
    if mode == "mixed":
        return ("identity", "flip", "permute")[index % 3]
    return mode


def to_image(
    array_zyx: np.ndarray, spacing: tuple[float, ...], origin: tuple[float, ...], layout: str
) -> sitk.Image:
    """Make a SimpleITK image of a canonical array in the given layout.

    Args:
        array_zyx: Canonical array ``(nz, ny, nx)`` (identity direction).
        spacing: Canonical ``(sx, sy, sz)``.
        origin: Canonical world position of voxel ``(0, 0, 0)``.
        layout: Name in :data:`LAYOUTS`.

    Returns:
        An image occupying the same physical space as the canonical one.
    """
    axes = LAYOUTS[layout]
    canonical = array_zyx.transpose(2, 1, 0)  # index order (x, y, z)
    out = canonical.transpose([world for world, _ in axes])
    origin_out = np.asarray(origin, dtype=float).copy()
    direction = np.zeros((3, 3))
    for a, (world, sign) in enumerate(axes):
        direction[world, a] = sign
        if sign < 0:
            out = np.flip(out, axis=a)
            origin_out[world] += (canonical.shape[world] - 1) * spacing[world]
    image = sitk.GetImageFromArray(np.ascontiguousarray(out.transpose(2, 1, 0)))
    image.SetSpacing(tuple(float(spacing[world]) for world, _ in axes))
    image.SetOrigin(tuple(float(v) for v in origin_out))
    image.SetDirection(tuple(float(v) for v in direction.ravel()))
    return image
