"""A PNG overview of a prediction: axial, coronal and sagittal views with the muscles in colour.

Both images are first oriented to LPS with ``sitk.DICOMOrient`` (array axes
x -> patient left, y -> posterior, z -> superior), whatever their direction
matrix, so the views are in patient orientation:

- axial: anterior up, patient right on the viewer's left (radiological convention);
- coronal: superior up, patient right on the viewer's left;
- sagittal: superior up, anterior on the viewer's left.

The axial slice lies in the middle of the labelled z-range, the coronal and
sagittal slices through the labels' centroid (the volume's centre without
labels); when the centroid falls between the legs (no label in that sagittal
plane), the sagittal slice goes through the centroid of the patient's right leg. CT is shown in a -160 .. 240 HU window, labels with alpha 0.4 in the
colours of ``label_export.LABEL_COLOURS``; pixel aspect follows the spacing.
Large volumes are subsampled for display.

Example:
    >>> write_overlay(scan, label_image, out / "case_01_overlay.png", "case_01")  # doctest: +SKIP
"""

from __future__ import annotations

import os

import numpy as np
import SimpleITK as sitk
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from thigh_common.atomic import atomic_path
from thigh_common.labels import LABELS, MUSCLE_LABELS
from thigh_inference.label_export import LABEL_COLOURS

CT_WINDOW_HU: tuple[float, float] = (-160.0, 240.0)
LABEL_ALPHA = 0.4
MAX_DISPLAY_PIXELS = 384
"""Slices are subsampled so that no displayed axis exceeds about this many pixels."""
CENTROID_MAX_VOXELS = 4_000_000
"""The label centroid is computed on a subsampled grid of at most about this many voxels."""


def _label_rgba() -> np.ndarray:
    """Lookup table ``(256, 4)`` float: label -> RGBA, transparent for background and unknown values."""
    table = np.zeros((256, 4), dtype=np.float32)
    for label, colour in LABEL_COLOURS.items():
        if label:
            table[label] = (*(np.asarray(colour) / 255.0), LABEL_ALPHA)
    return table


def _label_position(labels: np.ndarray) -> tuple[int, int, int]:
    """Slice indices ``(z, y, x)`` of LPS-ordered labels: middle of the labelled z-range, centroid in y and x."""
    step = max(1, int(np.ceil((labels.size / CENTROID_MAX_VOXELS) ** (1 / 3))))
    mask = labels[::step, ::step, ::step] > 0
    if not mask.any() and step > 1:
        step, mask = 1, labels > 0
    if not mask.any():
        return tuple(int(size // 2) for size in labels.shape)
    per_z = mask.sum(axis=(1, 2))
    z_indices = np.flatnonzero(per_z)
    z = (z_indices[0] + z_indices[-1]) / 2.0
    total = float(per_z.sum())
    y = float(mask.sum(axis=(0, 2)) @ np.arange(mask.shape[1])) / total
    per_x = mask.sum(axis=(0, 1))
    x = float(per_x @ np.arange(mask.shape[2])) / total
    if per_x[int(round(x))] == 0:  # between the legs: go through the patient's right leg (lower x in LPS)
        right = per_x[: int(round(x))]
        x = float(right @ np.arange(right.size)) / float(right.sum())
    return tuple(
        int(min(round(value * step), size - 1)) for value, size in zip((z, y, x), labels.shape, strict=True)
    )


def _views(
    hu: np.ndarray, labels: np.ndarray, spacing_xyz: tuple[float, ...]
) -> list[tuple[str, np.ndarray, np.ndarray, float]]:
    """The three views: name, CT slice, label slice, pixel aspect (height / width); rows top to bottom."""
    z, y, x = _label_position(labels)
    sx, sy, sz = spacing_xyz
    views = [
        ("axial", hu[z], labels[z], sy, sx),
        ("coronal", hu[::-1, y, :], labels[::-1, y, :], sz, sx),
        ("sagittal", hu[::-1, :, x], labels[::-1, :, x], sz, sy),
    ]
    result = []
    for name, ct, lab, row_mm, column_mm in views:
        step = max(1, int(np.ceil(max(ct.shape) / MAX_DISPLAY_PIXELS)))
        result.append((name, ct[::step, ::step], lab[::step, ::step], row_mm / column_mm))
    return result


def write_overlay(
    image: sitk.Image, labels: sitk.Image, path: str | os.PathLike[str], title: str = ""
) -> None:
    """Write a PNG with axial, coronal and sagittal views of ``labels`` over ``image``, atomically.

    Args:
        image: The scan in HU (any direction).
        labels: The label map on the scan's grid.
        path: The PNG to write (folder created when missing).
        title: Text above the views, e.g. the case id.

    Raises:
        ValueError: If the two images are not on the same grid.
    """
    if image.GetSize() != labels.GetSize():
        raise ValueError(f"image size {image.GetSize()} and label size {labels.GetSize()} differ")
    oriented_image = sitk.DICOMOrient(image, "LPS")
    oriented_labels = sitk.DICOMOrient(labels, "LPS")
    hu = sitk.GetArrayViewFromImage(oriented_image)
    label_array = sitk.GetArrayViewFromImage(oriented_labels)
    views = _views(hu, label_array, oriented_image.GetSpacing())
    rgba = _label_rgba()

    widths = [lab.shape[1] for _, _, lab, _ in views]
    heights = [lab.shape[0] * aspect for _, _, lab, aspect in views]
    scale = 4.0 / max(heights)
    figure = Figure(figsize=(scale * sum(widths) + 2.2, 4.8), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, 3, gridspec_kw={"width_ratios": widths})
    for axis, (name, ct, lab, aspect) in zip(axes, views, strict=True):
        axis.imshow(
            ct,
            cmap="gray",
            vmin=CT_WINDOW_HU[0],
            vmax=CT_WINDOW_HU[1],
            aspect=aspect,
            interpolation="nearest",
        )
        axis.imshow(rgba[np.clip(lab, 0, 255).astype(np.uint8)], aspect=aspect, interpolation="nearest")
        axis.set_title(name, fontsize=9)
        axis.set_axis_off()
    axes[0].text(0.02, 0.5, "R", color="white", transform=axes[0].transAxes, va="center", fontsize=9)
    axes[0].text(
        0.98, 0.5, "L", color="white", transform=axes[0].transAxes, va="center", ha="right", fontsize=9
    )
    handles = [
        Patch(color=np.asarray(LABEL_COLOURS[label]) / 255.0, label=LABELS[label]) for label in MUSCLE_LABELS
    ]
    figure.legend(handles=handles, loc="center right", fontsize=7, frameon=False)
    figure.suptitle(title, fontsize=10)
    figure.subplots_adjust(
        left=0.01, right=1.0 - 2.0 / figure.get_figwidth(), top=0.88, bottom=0.02, wspace=0.04
    )
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png")
