"""Muscles cut by the scan's field of view: which ones, the note their table rows get, and the warning.

A thigh that the scan does not hold whole (only its distal or proximal part, or
a leg partly outside the image in x) gives partial muscle volumes, which must
not be compared with whole ones. The rule, decided per leg and muscle:

    A muscle of a leg is *partial* when its labels in that leg reach within
    :data:`EDGE_MARGIN_MM` of a face of the scan's grid (its first or last
    slice, row or column); the face names the end, read from the world
    direction of the face (LPS): superior = ``proximal end``, inferior =
    ``distal end``, towards the leg's own side = ``lateral side``, towards the
    other leg = ``medial side``, ``anterior side`` / ``posterior side``.

A muscle that ends inside the image by more than the margin is whole, even in a
thigh that the detector found cut: its volume can be compared. The margin
allows for the label map being resampled from the network's coarser grid, so a
cut muscle may stop a slice short of the edge. When the thigh detector found
the leg cut at the same end (:class:`~thigh_planner.detection.thigh_detector.LegDetection`
``cut_ends``), the note adds its estimate of the length missing.

Example:
    >>> cuts = cut_muscles(labels, image, side_of, {"left", "right"})  # doctest: +SKIP
    >>> table = mark_partial(table, cuts, detection.legs)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import SimpleITK as sitk

from thigh_common.labels import LABELS, NUM_CLASSES
from thigh_inference.muscle_table import SIDES, SideOfVoxels, voxel_sides
from thigh_planner.detection.thigh_detector import LegDetection

EDGE_MARGIN_MM = 4.0
"""Labels this close to a face of the grid (in mm, besides the face's own voxels) count as touching it."""
PARTIAL_NOTE = "partial: thigh cut by the field of view at the"
FACE_ORDER: tuple[str, ...] = (
    "proximal end",
    "distal end",
    "lateral side",
    "medial side",
    "anterior side",
    "posterior side",
)

MuscleCuts = dict[tuple[str, int], tuple[str, ...]]
"""``(side, label)`` -> the faces its labels reach, in :data:`FACE_ORDER`; only cut muscles are keys."""


def _face_name(outward_lps: np.ndarray, side: str) -> str:
    """Anatomical name of a grid face of one leg, from the face's outward world direction (LPS)."""
    axis = int(np.argmax(np.abs(outward_lps)))
    positive = outward_lps[axis] > 0
    if axis == 2:
        return "proximal end" if positive else "distal end"
    if axis == 1:
        return "posterior side" if positive else "anterior side"
    towards_left = positive  # LPS: +x is the patient's left
    return "lateral side" if towards_left == (side == "left") else "medial side"


def cut_muscles(
    labels: np.ndarray,
    image: sitk.Image,
    is_left: np.ndarray | SideOfVoxels | None,
    legs_present: set[str],
    margin_mm: float = EDGE_MARGIN_MM,
) -> MuscleCuts:
    """Find the muscles whose labels reach a face of the scan's grid, per leg.

    Only the slabs along the six faces are read, so this is cheap on a full scan.

    Args:
        labels: Integer labels ``(z, y, x)`` on the grid of ``image``.
        image: The scan (its spacing and direction name the faces).
        is_left: Bool mask ``(z, y, x)`` or side function (True = patient left), as for
            :func:`thigh_inference.muscle_table.case_table`; may be None with one leg.
        legs_present: The legs in the scan, subset of ``{"left", "right"}``.
        margin_mm: How close to a face the labels must come.

    Returns:
        For each cut muscle of a present leg, the faces its labels reach.

    Raises:
        ValueError: If ``labels`` does not have the shape of ``image``.
    """
    shape = labels.shape
    if shape != tuple(image.GetSize())[::-1]:
        raise ValueError(f"labels {shape} do not match the image (size x, y, z {image.GetSize()})")
    if not legs_present:
        return {}
    direction = np.asarray(image.GetDirection(), dtype=float).reshape(3, 3)
    spacing = np.asarray(image.GetSpacing(), dtype=float)
    faces: dict[tuple[str, int], set[str]] = {}
    for array_axis, length in enumerate(shape):
        image_axis = 2 - array_axis  # array (z, y, x) against image (x, y, z)
        depth = min(length, 1 + int(np.floor(margin_mm / spacing[image_axis])))
        for end, sign in ((0, -1.0), (1, 1.0)):
            slab = [slice(None)] * 3
            slab[array_axis] = slice(0, depth) if end == 0 else slice(length - depth, length)
            found = np.nonzero(labels[tuple(slab)])
            if not found[0].size:
                continue
            indices = list(found)
            indices[array_axis] = indices[array_axis] + slab[array_axis].start
            flat = np.ravel_multi_index(tuple(indices), shape)
            sides = voxel_sides(flat, shape, is_left, legs_present)
            keys = np.unique(sides * NUM_CLASSES + labels.reshape(-1)[flat].astype(np.intp))
            outward = sign * direction[:, image_axis]
            for key in keys:
                side = SIDES[int(key) // NUM_CLASSES]
                faces.setdefault((side, int(key) % NUM_CLASSES), set()).add(_face_name(outward, side))
    return {key: tuple(name for name in FACE_ORDER if name in names) for key, names in faces.items()}


def _join(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def partial_note(faces: tuple[str, ...], leg: LegDetection | None) -> str:
    """The note of a cut muscle: the faces it reaches and, if the detector saw that end cut, what is missing.

    Example:
        >>> partial_note(("proximal end",), None)
        'partial: thigh cut by the field of view at the proximal end'
    """
    note = f"{PARTIAL_NOTE} {_join(faces)}"
    detected_ends = {f"{end} end" for end in leg.cut_ends} if leg is not None else set()
    if leg is not None and leg.missing_mm >= 1.0 and detected_ends & set(faces):
        note += f", about {leg.missing_mm:.0f} mm missing"
    return note


def mark_partial(table: pd.DataFrame, cuts: MuscleCuts, legs: Mapping[str, LegDetection]) -> pd.DataFrame:
    """Set ``partial`` and put the note first in the rows of the cut muscles of a case table.

    Args:
        table: A table from :func:`thigh_inference.muscle_table.case_table`.
        cuts: From :func:`cut_muscles`.
        legs: The detector's legs (for the length missing), by side.

    Returns:
        A copy of ``table``.
    """
    marked = table.copy()
    for (side, label), faces in cuts.items():
        rows = (marked["side"] == side) & (marked["label"] == label)
        note = partial_note(faces, legs.get(side))
        marked.loc[rows, "partial"] = True
        marked.loc[rows, "note"] = [f"{note}; {old}" if old else note for old in marked.loc[rows, "note"]]
    return marked


def leg_warnings(cuts: MuscleCuts, legs: Mapping[str, LegDetection]) -> list[str]:
    """One message per leg with a cut muscle or cut by the detector: the leg, the end(s), the muscles.

    Args:
        cuts: From :func:`cut_muscles`.
        legs: The detector's legs, by side.

    Returns:
        Messages for the log, right leg first.
    """
    messages = []
    for side in SIDES:
        muscles = sorted(label for cut_side, label in cuts if cut_side == side)
        faces = {face for (cut_side, _), names in cuts.items() if cut_side == side for face in names}
        leg = legs.get(side)
        faces |= {f"{end} end" for end in (leg.cut_ends if leg is not None else ())}
        if not faces:
            continue
        text = f"{side} thigh cut by the field of view at the {_join(tuple(n for n in FACE_ORDER if n in faces))}"
        if leg is not None and leg.cut_ends and leg.missing_mm >= 1.0:
            text += f" (about {leg.missing_mm:.0f} mm of the femoral shaft missing)"
        if muscles:
            names = ", ".join(LABELS[label] for label in muscles)
            text += f": {len(muscles)} muscle(s) marked partial in the table ({names}); do not compare their volumes with whole ones"
        else:
            text += ": every muscle ends inside the image, none marked partial"
        messages.append(text)
    return messages
