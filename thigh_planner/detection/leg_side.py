"""The patient side of each leg found: from the legs' order in world x, and from each leg's own hip.

World x on the canonical grid grows towards the patient's left (LPS), as the
scan's direction matrix says, so "towards larger x" means "towards the
patient's left" whatever the array layout.

- **Two legs**: the leg at larger world x is the patient's left (thighs cannot
  cross). Each hip is read as well; a hip that points the other way is noted.
- **One leg**: the side is read from the leg's own hip. The femoral neck and
  head leave the shaft medially (neck-shaft angle about 125-135 degrees), and
  the hip bone that holds the head lies further medial; only the greater
  trochanter lies lateral. So the bone in the ``HIP_WINDOW_MM`` above the top of
  the femoral shaft, within ``HIP_RADIUS_MM`` of the shaft's extended axis,
  lies on average to the medial side. Medial towards larger x (the patient's
  left) makes it a right leg, and the other way a left leg. Where the body
  meets the edge of the image says nothing about the side and is not used.
  Posterior landmarks (linea aspera) are not read: with the direction matrix
  trusted, the medial direction alone decides.
- **Undecided** (hip outside the field of view, too little bone above the
  shaft, or no clear medial shift): the leg is refused with
  :class:`LegSideUndecidedError`, which names the leg and the reason, rather
  than guessed (a guessed side mirrors the leg the wrong way).

Example:
    >>> sides, notes = decide_sides(volume, [track], source="scan_01")  # doctest: +SKIP
    >>> list(sides)  # doctest: +SKIP
    ['right']
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from thigh_common.errors import ThighSegError
from thigh_planner.detection.canonical_grid import CanonicalVolume
from thigh_planner.detection.femur_tracks import BoneTrack, fit_axis
from thigh_planner.detection.slice_components import BONE_HU, body_regions

logger = logging.getLogger(__name__)

HIP_WINDOW_MM = 100.0
"""Height above the top of the femoral shaft that is read (trochanters, neck, head, acetabulum)."""
HIP_RADIUS_MM = 80.0
"""Bone within this distance of the shaft's extended axis counts (the head lies about 45 mm medial)."""
MIN_HIP_WINDOW_MM = 60.0
"""The scan must cover this much above the shaft: below it lie only the trochanters."""
MIN_HIP_BONE_ML = 20.0
"""Less bone than this above the shaft (a femoral head alone is about 45 mL) is too little to judge."""
MIN_MEDIAL_SHIFT_MM = 10.0
"""Mean shift of that bone from the shaft axis needed to call a side (phantoms: 20-36 mm)."""


class LegSideUndecidedError(ThighSegError):
    """The side (patient left or right) of a leg cannot be decided from the scan."""


@dataclass(frozen=True)
class HipEvidence:
    """What the hip above one femoral shaft says about the leg's side.

    Attributes:
        side: ``"left"``, ``"right"``, or None when undecided.
        medial_shift_mm: Mean world-x offset of the bone above the shaft from the shaft's extended
            axis, positive towards the patient's left (NaN when there is no bone).
        bone_ml: Volume of that bone in mL.
        window_mm: Height above the shaft that the scan covers (at most ``HIP_WINDOW_MM``).
        reason: Why the side is undecided; empty when it is decided.
    """

    side: str | None
    medial_shift_mm: float
    bone_ml: float
    window_mm: float
    reason: str = ""

    def describe(self) -> str:
        """One phrase for notes and messages."""
        if self.side is None:
            return self.reason
        towards = "left" if self.medial_shift_mm > 0 else "right"
        return (
            f"{self.bone_ml:.0f} mL of bone (femoral neck and head, hip bone) in the {self.window_mm:.0f} mm "
            f"above the femoral shaft lies on average {abs(self.medial_shift_mm):.0f} mm towards the "
            f"patient's {towards} of the shaft axis, so that is the medial side"
        )


def _track_x_mm(volume: CanonicalVolume, track: BoneTrack) -> float:
    return float(track.world_centroids(volume)[:, 0].mean())


def describe_track(volume: CanonicalVolume, track: BoneTrack) -> str:
    """Name a leg by its femoral shaft: ``"the leg at world x -93 mm (femoral shaft z -250..-71 mm)"``."""
    return (
        f"the leg at world x {_track_x_mm(volume, track):.0f} mm "
        f"(femoral shaft z {volume.z_world(track.first_slice):.0f}..{volume.z_world(track.last_slice):.0f} mm)"
    )


def _hip_bone_offsets(volume: CanonicalVolume, track: BoneTrack, slices: range) -> np.ndarray:
    """World-x offsets (mm) from the shaft's extended axis of the bone voxels near it in ``slices``.

    Only bone inside the body region that holds the axis counts: bone of another region, such
    as the table under the patient once the opening has split it from the skin, is left out.
    """
    centre, direction = fit_axis(track.world_centroids(volume))
    spacing = volume.spacing_mm
    ny, nx = volume.hu.shape[1:]
    xs = volume.origin_mm[0] + np.arange(nx) * spacing
    ys = volume.origin_mm[1] + np.arange(ny) * spacing
    offsets = []
    for k in slices:
        axis_point = centre + direction * (volume.z_world(k) - centre[2]) / direction[2]
        dx = np.broadcast_to(xs[None, :] - axis_point[0], (ny, nx))
        dy = ys[:, None] - axis_point[1]
        near = (dx**2 + dy**2 <= HIP_RADIUS_MM**2) & (volume.hu[k] > BONE_HU)
        if not near.any():
            continue
        regions, _ = body_regions(volume.hu[k], spacing)
        row = int(round((axis_point[1] - volume.origin_mm[1]) / spacing))
        column = int(round((axis_point[0] - volume.origin_mm[0]) / spacing))
        if 0 <= row < ny and 0 <= column < nx and regions[row, column] > 0:
            near &= regions == regions[row, column]
        else:
            near &= regions > 0
        offsets.append(dx[near])
    return np.concatenate(offsets) if offsets else np.zeros(0)


def read_hip(volume: CanonicalVolume, track: BoneTrack) -> HipEvidence:
    """Read a leg's side from the bone above its femoral shaft.

    Args:
        volume: The scan on the canonical LPS grid (x towards the patient's left).
        track: The leg's femoral shaft.

    Returns:
        The side, with the measured medial shift, or None and the reason when undecided.
    """
    spacing = volume.spacing_mm
    first = track.last_slice + 1
    stop = min(volume.hu.shape[0], first + int(round(HIP_WINDOW_MM / spacing)))
    window_mm = max(0, stop - first) * spacing
    if window_mm < MIN_HIP_WINDOW_MM:
        return HipEvidence(
            None,
            float("nan"),
            0.0,
            window_mm,
            f"its hip is not in the field of view (the scan ends {window_mm:.0f} mm above the femoral "
            f"shaft; at least {MIN_HIP_WINDOW_MM:.0f} mm is needed to see the femoral neck and head)",
        )
    offsets = _hip_bone_offsets(volume, track, range(first, stop))
    bone_ml = offsets.size * spacing**3 / 1000.0
    shift = float(offsets.mean()) if offsets.size else float("nan")
    if bone_ml < MIN_HIP_BONE_ML:
        return HipEvidence(
            None,
            shift,
            bone_ml,
            window_mm,
            f"too little bone above its femoral shaft ({bone_ml:.0f} mL within {HIP_RADIUS_MM:.0f} mm of "
            f"the shaft axis in {window_mm:.0f} mm; at least {MIN_HIP_BONE_ML:.0f} mL is needed)",
        )
    if abs(shift) < MIN_MEDIAL_SHIFT_MM:
        return HipEvidence(
            None,
            shift,
            bone_ml,
            window_mm,
            f"the bone above its femoral shaft does not lean to one side (mean shift {shift:+.0f} mm in "
            f"world x from the shaft axis; at least {MIN_MEDIAL_SHIFT_MM:.0f} mm is needed to tell the "
            "medial side, where the femoral neck and head point)",
        )
    return HipEvidence("right" if shift > 0 else "left", shift, bone_ml, window_mm)


def decide_sides(
    volume: CanonicalVolume, tracks: list[BoneTrack], source: str = "the scan"
) -> tuple[dict[str, BoneTrack], list[str]]:
    """Name the patient side of each femoral shaft found (one or two).

    Args:
        volume: The scan on the canonical LPS grid.
        tracks: One or two femoral shafts, of different legs.
        source: Name of the scan for messages.

    Returns:
        The shafts by side (``"left"``, ``"right"``) and notes for the user.

    Raises:
        LegSideUndecidedError: If a lone leg's side cannot be read from its hip.
        ValueError: If ``tracks`` does not hold one or two shafts.
    """
    if len(tracks) not in (1, 2):
        raise ValueError(f"expected one or two femoral shafts, got {len(tracks)}")
    hips = [read_hip(volume, track) for track in tracks]
    for track, hip in zip(tracks, hips, strict=True):
        logger.debug("%s: %s: %s", source, describe_track(volume, track), hip)
    if len(tracks) == 2:
        order = sorted(range(2), key=lambda i: _track_x_mm(volume, tracks[i]))
        sides = {"right": tracks[order[0]], "left": tracks[order[1]]}
        notes = [
            f"the hip of the {side} leg points the other way: {hips[index].describe()}; the sides are "
            "kept from the legs' order in world x"
            for side, index in zip(("right", "left"), order, strict=True)
            if hips[index].side not in (None, side)
        ]
        return sides, notes
    track, hip = tracks[0], hips[0]
    if hip.side is None:
        raise LegSideUndecidedError(
            f"{source}: only one leg found, {describe_track(volume, track)}, and its side (patient left "
            f"or right) cannot be decided: {hip.reason}. The side of a lone leg is read from its hip, "
            "never guessed, since a wrong side mirrors the leg the wrong way; use a scan that covers both "
            "thighs or the hip joint of this one."
        )
    return {hip.side: track}, [
        f"only the {hip.side} leg is in the field of view (side judged from its hip: {hip.describe()})"
    ]
