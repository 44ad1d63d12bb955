"""A PNG overview of a prediction: axial slices at three levels, a coronal view and a sagittal view per femur.

Both images are first oriented to LPS with ``sitk.DICOMOrient`` (array axes
x -> patient left, y -> posterior, z -> superior), whatever their direction
matrix, so the views are in patient orientation:

- axial: anterior up, patient right on the viewer's left (radiological convention);
- coronal: superior up, patient right on the viewer's left;
- sagittal: superior up, anterior on the viewer's left.

Every view is cut to the labels' bounding box plus 25 mm. Top row: axial slices at 20 %, 50 % and 80 % of the labelled z-range (distal,
middle, proximal thigh). Bottom row: the coronal slice through the labels'
centroid, then a sagittal slice through each leg's femoral shaft: the centroid of
bone (above 250 HU) in the middle third of the leg's labelled region, or the leg's
label centroid where no bone is found. Legs are told apart by the empty columns between them
(one sagittal view when the labels form one leg). CT is shown in a -160 .. 240 HU
window, labels with alpha 0.4 in the colours of ``label_export.LABEL_COLOURS``;
pixel aspect follows the spacing. Large volumes are subsampled for display.

Muscles flagged for checking (``flags``: muscle -> the reason) are marked ``check`` in the
legend, drawn with a white outline in every view, and their reasons are written below the views.

Example:
    >>> write_overlay(scan, label_image, out / "case_01_overlay.png", "case_01")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping

import numpy as np
import SimpleITK as sitk
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from thigh_common.atomic import atomic_path
from thigh_common.labels import LABEL_BY_NAME, LABELS, MUSCLE_LABELS, display_name
from thigh_inference.label_export import LABEL_COLOURS

CT_WINDOW_HU: tuple[float, float] = (-160.0, 240.0)
LABEL_ALPHA = 0.4
AXIAL_LEVELS: tuple[tuple[str, float], ...] = (("distal", 0.2), ("middle", 0.5), ("proximal", 0.8))
"""Axial slices, as a share of the labelled z-range from its lowest slice."""
BONE_HU = 250.0
VIEW_MARGIN_MM = 25.0
"""Views are cut to the labels' bounding box plus this margin on every side."""
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


def _subsampled_mask(labels: np.ndarray) -> tuple[np.ndarray, int]:
    step = max(1, int(np.ceil((labels.size / CENTROID_MAX_VOXELS) ** (1 / 3))))
    mask = labels[::step, ::step, ::step] > 0
    if not mask.any() and step > 1:
        step, mask = 1, labels > 0
    return mask, step


def _label_position(labels: np.ndarray) -> tuple[int, int, int]:
    """Slice indices ``(z, y, x)`` of LPS-ordered labels: middle of the labelled z-range, centroid in y and x."""
    mask, step = _subsampled_mask(labels)
    if not mask.any():
        return tuple(int(size // 2) for size in labels.shape)
    per_z = mask.sum(axis=(1, 2))
    z_indices = np.flatnonzero(per_z)
    z = (z_indices[0] + z_indices[-1]) / 2.0
    total = float(per_z.sum())
    y = float(mask.sum(axis=(0, 2)) @ np.arange(mask.shape[1])) / total
    x = float(mask.sum(axis=(0, 1)) @ np.arange(mask.shape[2])) / total
    return tuple(
        int(min(round(value * step), size - 1)) for value, size in zip((z, y, x), labels.shape, strict=True)
    )


def axial_levels(labels: np.ndarray) -> list[tuple[str, int]]:
    """The axial slices to show: name and z index at each of :data:`AXIAL_LEVELS` of the labelled range."""
    per_z = (labels > 0).any(axis=(1, 2))
    if not per_z.any():
        return [("middle", labels.shape[0] // 2)]
    low, high = np.flatnonzero(per_z)[[0, -1]]
    return [(name, int(round(low + share * (high - low)))) for name, share in AXIAL_LEVELS]


def leg_columns(labels: np.ndarray) -> list[tuple[str, slice]]:
    """Each leg's x range in LPS labels (patient right first): runs of labelled columns split at empty ones."""
    per_x = (labels > 0).any(axis=(0, 1))
    columns = np.flatnonzero(per_x)
    if columns.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(columns) > 1)
    runs = np.split(columns, breaks + 1)
    if len(runs) > 2:  # keep the two widest runs (stray labels make more)
        runs = sorted(sorted(runs, key=len)[-2:], key=lambda run: run[0])
    names = ["right", "left"] if len(runs) == 2 else ["leg"]
    return [(name, slice(int(run[0]), int(run[-1]) + 1)) for name, run in zip(names, runs, strict=False)]


def femur_x(hu: np.ndarray, labels: np.ndarray, columns: slice) -> int:
    """The x index of the femoral shaft in a leg's columns (LPS arrays).

    The centroid of bone (above :data:`BONE_HU`) in the middle third of the leg's labelled
    z-range and inside its labelled rows (the shaft, not the hip or the knee); the centroid of
    the leg's labels where no bone is found there.
    """
    region = labels[:, :, columns] > 0
    rows = region.any(axis=(0, 2))
    z_indices = np.flatnonzero(region.any(axis=(1, 2)))
    third = (z_indices[-1] - z_indices[0]) / 3.0
    middle = slice(int(z_indices[0] + third), int(z_indices[-1] - third) + 1)
    bone = hu[middle][:, rows][:, :, columns] > BONE_HU
    per_x = bone.sum(axis=(0, 1)) if bone.any() else region.sum(axis=(0, 1))
    return columns.start + int(round(float(per_x @ np.arange(per_x.size)) / float(per_x.sum())))


View = tuple[str, np.ndarray, np.ndarray, float]
"""Name, CT slice, label slice, pixel aspect (height / width); rows top to bottom."""


def _displayed(name: str, ct: np.ndarray, lab: np.ndarray, row_mm: float, column_mm: float) -> View:
    step = max(1, int(np.ceil(max(ct.shape) / MAX_DISPLAY_PIXELS)))
    return name, ct[::step, ::step], lab[::step, ::step], row_mm / column_mm


def labelled_box(labels: np.ndarray, spacing_xyz: tuple[float, ...]) -> tuple[slice, slice, slice]:
    """Slices ``(z, y, x)`` around the labels plus :data:`VIEW_MARGIN_MM` (the whole volume without labels)."""
    mask, step = _subsampled_mask(labels)
    if not mask.any():
        return slice(None), slice(None), slice(None)
    box = []
    for axis, spacing in zip(range(3), spacing_xyz[::-1], strict=True):
        present = np.flatnonzero(mask.any(axis=tuple(a for a in range(3) if a != axis))) * step
        margin = int(np.ceil(VIEW_MARGIN_MM / spacing))
        stop = min(labels.shape[axis], int(present[-1]) + step + margin)
        box.append(slice(max(0, int(present[0]) - margin), stop))
    return box[0], box[1], box[2]


def _views(hu: np.ndarray, labels: np.ndarray, spacing_xyz: tuple[float, ...]) -> list[list[View]]:
    """The figure's two rows of views, cut to the labelled box: the axial levels; coronal and sagittal per femur."""
    sx, sy, sz = spacing_xyz
    _, y, x = _label_position(labels)
    zs, ys, xs = labelled_box(labels, spacing_xyz)
    axial = [
        _displayed(f"axial, {name}", hu[z, ys, xs], labels[z, ys, xs], sy, sx)
        for name, z in axial_levels(labels)
    ]
    lower = [_displayed("coronal", hu[zs, y, xs][::-1], labels[zs, y, xs][::-1], sz, sx)]
    for name, columns in leg_columns(labels) or [("leg", slice(x, x + 1))]:
        leg_x = femur_x(hu, labels, columns) if columns.stop - columns.start > 1 else x
        sagittal = (hu[zs, ys, leg_x][::-1], labels[zs, ys, leg_x][::-1])
        lower.append(_displayed(f"sagittal, {name} femur", *sagittal, sz, sy))
    return [axial, lower]


def _outline(lab: np.ndarray, flagged: set[int]) -> np.ndarray:
    """RGBA ``(h, w, 4)``: white on the boundary pixels of the flagged labels, transparent elsewhere."""
    inside = np.isin(lab, list(flagged))
    edge = inside.copy()
    edge[1:-1, 1:-1] &= ~(inside[:-2, 1:-1] & inside[2:, 1:-1] & inside[1:-1, :-2] & inside[1:-1, 2:])
    rgba = np.zeros((*lab.shape, 4), dtype=np.float32)
    rgba[edge] = (1.0, 1.0, 1.0, 1.0)
    return rgba


def _mark_sides(axis) -> None:
    """Write R and L at the viewer's left and right of an axial or coronal view."""
    for x, text, align in ((0.02, "R", "left"), (0.98, "L", "right")):
        axis.text(x, 0.5, text, color="white", transform=axis.transAxes, va="center", ha=align, fontsize=9)


def _legend(figure: Figure, flags: Mapping[str, str]) -> float:
    """Draw the muscles' colours at the right and the flags' reasons below the views.

    Returns:
        The share of the figure's height the reasons take (0 without flags).
    """
    handles = []
    for label in MUSCLE_LABELS:
        name = display_name(LABELS[label]) + (": check" if LABELS[label] in flags else "")
        handles.append(Patch(color=np.asarray(LABEL_COLOURS[label]) / 255.0, label=name))
    figure.legend(handles=handles, loc="center right", fontsize=7, frameon=False)
    if not flags:
        return 0.0
    width = int(figure.get_figwidth() * 16)  # characters of 7-point text across the figure
    lines = [
        line
        for muscle, reason in flags.items()
        for line in textwrap.wrap(f"{display_name(muscle)}: {reason}", width, subsequent_indent="    ")
    ]
    figure.text(0.01, 0.01, "\n".join(["check:", *lines]), fontsize=7, va="bottom", family="monospace")
    return (len(lines) + 1.5) * 0.15 / figure.get_figheight()


def write_overlay(
    image: sitk.Image,
    labels: sitk.Image,
    path: str | os.PathLike[str],
    title: str = "",
    flags: Mapping[str, str] | None = None,
) -> None:
    """Write a PNG of ``labels`` over ``image`` (three axial levels, coronal, sagittal per femur), atomically.

    Args:
        image: The scan in HU (any direction).
        labels: The label map on the scan's grid.
        path: The PNG to write (folder created when missing).
        title: Text above the views, e.g. the case id.
        flags: Muscles to check (label name -> short reason): outlined in white, reason in the legend.

    Raises:
        ValueError: If the two images are not on the same grid.
    """
    if image.GetSize() != labels.GetSize():
        raise ValueError(f"image size {image.GetSize()} and label size {labels.GetSize()} differ")
    flags = dict(flags or {})
    flagged = {LABEL_BY_NAME[name] for name in flags if name in LABEL_BY_NAME}
    oriented_image = sitk.DICOMOrient(image, "LPS")
    oriented_labels = sitk.DICOMOrient(labels, "LPS")
    hu = sitk.GetArrayViewFromImage(oriented_image)
    label_array = sitk.GetArrayViewFromImage(oriented_labels)
    rows = _views(hu, label_array, oriented_image.GetSpacing())
    rgba = _label_rgba()
    columns = max(len(row) for row in rows)
    figure = Figure(figsize=(3.2 * columns + 2.6, 3.4 * len(rows) + 0.4), dpi=100)
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(len(rows), columns)
    for row_index, row in enumerate(rows):
        for column_index, (name, ct, lab, aspect) in enumerate(row):
            axis = figure.add_subplot(grid[row_index, column_index])
            window = {"vmin": CT_WINDOW_HU[0], "vmax": CT_WINDOW_HU[1]}
            axis.imshow(ct, cmap="gray", aspect=aspect, interpolation="nearest", **window)
            axis.imshow(rgba[np.clip(lab, 0, 255).astype(np.uint8)], aspect=aspect, interpolation="nearest")
            if flagged:
                axis.imshow(_outline(lab, flagged), aspect=aspect, interpolation="nearest")
            axis.set_title(name, fontsize=9)
            axis.set_axis_off()
            if not name.startswith("sagittal"):
                _mark_sides(axis)
    reasons_height = _legend(figure, flags)
    figure.suptitle(title, fontsize=10)
    figure.subplots_adjust(
        left=0.01,
        right=1.0 - 2.4 / figure.get_figwidth(),
        top=0.9,
        bottom=0.02 + reasons_height,
        wspace=0.04,
        hspace=0.12,
    )
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png")
