"""Preview picture of a case: mid-thigh axial slice, coronal and sagittal views with label overlay."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from dataset_conversion.phantom.grid import GridSpec
from thigh_common.atomic import atomic_path

WINDOW = (-250.0, 350.0)


def _overlay(axis, image: np.ndarray, labels: np.ndarray, extent: tuple[float, ...], title: str) -> None:
    from matplotlib import colors

    axis.imshow(image, cmap="gray", vmin=WINDOW[0], vmax=WINDOW[1], extent=extent, interpolation="nearest")
    palette = colors.ListedColormap(
        [
            "none",
            "#e6194b",
            "#3cb44b",
            "#ffe119",
            "#4363d8",
            "#f58231",
            "#911eb4",
            "#46f0f0",
            "#f032e6",
            "#bcf60c",
            "#fabebe",
        ]
    )
    masked = np.ma.masked_equal(labels, 0)
    axis.imshow(
        masked, cmap=palette, vmin=-0.5, vmax=10.5, alpha=0.45, extent=extent, interpolation="nearest"
    )
    axis.set_title(title, fontsize=9)
    axis.set_xticks([])
    axis.set_yticks([])


def write_preview(
    image: np.ndarray,
    labels: np.ndarray,
    grid: GridSpec,
    slice_z: float,
    centre_x: float,
    path: str | os.PathLike[str],
    title: str = "",
) -> None:
    """Write a PNG with an axial, a coronal and a sagittal view of canonical arrays.

    Args:
        image: Canonical HU array ``(nz, ny, nx)``.
        labels: Canonical label array on the same grid.
        grid: The canonical grid (identity direction).
        slice_z: World z of the axial slice (mm).
        centre_x: World x of the sagittal slice (mm), e.g. through one femur.
        path: Output PNG path (written atomically).
        title: Figure title.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    x, y, z = grid.axis(0), grid.axis(1), grid.axis(2)
    sx, sy, sz = grid.spacing
    k = int(np.clip(np.rint((slice_z - z[0]) / sz), 0, len(z) - 1))
    i = int(np.clip(np.rint((centre_x - x[0]) / sx), 0, len(x) - 1))
    rows = labels.any(axis=(0, 2))
    j = int(np.round(np.mean(np.flatnonzero(rows)))) if rows.any() else len(y) // 2
    # Radiological display: patient right on the left of the picture, anterior up, superior up.
    ext_axial = (x[0] - sx / 2, x[-1] + sx / 2, y[-1] + sy / 2, y[0] - sy / 2)
    ext_coronal = (x[0] - sx / 2, x[-1] + sx / 2, z[0] - sz / 2, z[-1] + sz / 2)
    ext_sagittal = (y[0] - sy / 2, y[-1] + sy / 2, z[0] - sz / 2, z[-1] + sz / 2)
    figure, axes = plt.subplots(1, 3, figsize=(15, 7), gridspec_kw={"width_ratios": [1.2, 1, 1]})
    _overlay(axes[0], image[k], labels[k], ext_axial, f"axial z={z[k]:.0f} mm")
    _overlay(axes[1], image[::-1, j, :], labels[::-1, j, :], ext_coronal, f"coronal y={y[j]:.0f} mm")
    _overlay(axes[2], image[::-1, :, i], labels[::-1, :, i], ext_sagittal, f"sagittal x={x[i]:.0f} mm")
    axes[0].set_aspect("equal")
    axes[1].set_aspect("equal")
    axes[2].set_aspect("equal")
    axes[2].invert_xaxis()
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    with atomic_path(Path(path)) as temporary:
        figure.savefig(temporary, dpi=90, format="png")
    plt.close(figure)
