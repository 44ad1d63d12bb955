"""Find the thighs of a lower-body CT: femoral shafts, thigh z-range and side of each leg.

The detector works on a 4 mm copy of the scan on an LPS-aligned grid: the
femoral shaft is the one long, compact bone that sits alone in the middle of
its leg for the whole thigh, so a track of such bone cross-sections through
100 mm or more of consecutive slices marks a thigh. Sides come from world x
(LPS: larger x is the patient's left), never from array indices: of two legs
the one at larger x is the left; a lone leg's side is read from its own hip
(see :mod:`thigh_planner.detection.leg_side`).

Example:
    >>> detection = detect_thighs(read_image("scan.nii.gz"))  # doctest: +SKIP
    >>> sorted(detection.legs)  # doctest: +SKIP
    ['left', 'right']
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import SimpleITK as sitk

from thigh_common.errors import ThighSegError
from thigh_planner.detection.canonical_grid import CanonicalVolume, to_canonical
from thigh_planner.detection.femur_tracks import BoneTrack, fit_axis, link_tracks
from thigh_planner.detection.leg_side import decide_sides
from thigh_planner.detection.slice_components import slice_bone_components
from thigh_planner.normalisation.midline import MidlinePlane

logger = logging.getLogger(__name__)

MIN_SHAFT_LENGTH_MM = 100.0
DEFAULT_SHAFT_LENGTH_MM = 300.0
MIN_LEG_SEPARATION_MM = 60.0
MIN_LEG_Z_OVERLAP = 0.5
"""The other leg's shaft must span at least this fraction of the shorter shaft's slices (thighs lie side by side)."""
DETECTION_SPACING_MM = 4.0


class NoThighFoundError(ThighSegError):
    """The scan holds no thigh (no femoral shaft long enough)."""


@dataclass(frozen=True)
class LegDetection:
    """What was found of one leg.

    Attributes:
        side: ``"left"`` or ``"right"`` (patient side).
        thigh_range_z_mm: World z range (low, high) of the femoral shaft found.
        center_mm: Point on the femur axis where the leg's crop is centred.
        axis_direction: Unit vector along the femur, pointing superior.
        shaft_length_mm: Length of the femoral shaft found, along the axis.
        cut_ends: Ends of the thigh cut by the field of view (``"proximal"``, ``"distal"``).
        missing_mm: Estimated length of thigh outside the field of view.
    """

    side: str
    thigh_range_z_mm: tuple[float, float]
    center_mm: tuple[float, float, float]
    axis_direction: tuple[float, float, float]
    shaft_length_mm: float
    cut_ends: tuple[str, ...] = ()
    missing_mm: float = 0.0

    @property
    def femur_angle_deg(self) -> float:
        """Angle between the femur axis and the scanner's z axis."""
        return float(np.degrees(np.arccos(np.clip(self.axis_direction[2], -1.0, 1.0))))

    def describe(self) -> str:
        """One line for the log."""
        low, high = self.thigh_range_z_mm
        text = (
            f"{self.side} thigh: z {low:.1f}..{high:.1f} mm, femoral shaft {self.shaft_length_mm:.0f} mm, "
            f"{self.femur_angle_deg:.1f} deg from the scanner axis"
        )
        if self.cut_ends:
            text += f"; cut by the field of view at the {' and '.join(self.cut_ends)} end"
            text += f", about {self.missing_mm:.0f} mm missing"
        return text

    def to_dict(self) -> dict[str, Any]:
        """Serialise to plain JSON types."""
        return {
            "side": self.side,
            "thigh_range_z_mm": list(self.thigh_range_z_mm),
            "center_mm": list(self.center_mm),
            "axis_direction": list(self.axis_direction),
            "shaft_length_mm": self.shaft_length_mm,
            "femur_angle_deg": self.femur_angle_deg,
            "cut_ends": list(self.cut_ends),
            "missing_mm": self.missing_mm,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LegDetection:
        """Rebuild from :meth:`to_dict`."""
        return cls(
            side=data["side"],
            thigh_range_z_mm=tuple(float(v) for v in data["thigh_range_z_mm"]),
            center_mm=tuple(float(v) for v in data["center_mm"]),
            axis_direction=tuple(float(v) for v in data["axis_direction"]),
            shaft_length_mm=float(data["shaft_length_mm"]),
            cut_ends=tuple(data["cut_ends"]),
            missing_mm=float(data["missing_mm"]),
        )


@dataclass(frozen=True)
class ThighDetection:
    """The thighs found in one scan."""

    legs: dict[str, LegDetection]
    midline: MidlinePlane | None
    searched_z_mm: tuple[float, float]
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Serialise to plain JSON types."""
        return {
            "legs": {side: leg.to_dict() for side, leg in self.legs.items()},
            "midline": None if self.midline is None else self.midline.to_dict(),
            "searched_z_mm": list(self.searched_z_mm),
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ThighDetection:
        """Rebuild from :meth:`to_dict`."""
        midline = data.get("midline")
        return cls(
            legs={side: LegDetection.from_dict(leg) for side, leg in data["legs"].items()},
            midline=None if midline is None else MidlinePlane.from_dict(midline),
            searched_z_mm=tuple(float(v) for v in data["searched_z_mm"]),
            notes=tuple(data.get("notes", ())),
        )


def _leg_from_track(
    track: BoneTrack, side: str, volume: CanonicalVolume, expected_length_mm: float
) -> LegDetection:
    points = track.world_centroids(volume)
    centre, direction = fit_axis(points)
    along = (points - centre) @ direction
    low_end, high_end = centre + along.min() * direction, centre + along.max() * direction
    length = float(along.max() - along.min() + volume.spacing_mm)
    last_slice = volume.hu.shape[0] - 1
    cut_ends = []
    if track.last_slice >= last_slice - 1:
        cut_ends.append("proximal")
    if track.first_slice <= 1:
        cut_ends.append("distal")
    missing = max(0.0, expected_length_mm - length) if cut_ends else 0.0
    if cut_ends == ["proximal"]:
        centre = low_end + direction * expected_length_mm / 2.0
    elif cut_ends == ["distal"]:
        centre = high_end - direction * expected_length_mm / 2.0
    z_values = points[:, 2]
    return LegDetection(
        side=side,
        thigh_range_z_mm=(float(z_values.min()), float(z_values.max())),
        center_mm=tuple(float(v) for v in centre),
        axis_direction=tuple(float(v) for v in direction),
        shaft_length_mm=length,
        cut_ends=tuple(cut_ends),
        missing_mm=float(missing),
    )


def _side_by_side(first: BoneTrack, other: BoneTrack) -> bool:
    """Whether two shafts share enough slices to be the two thighs (a cut pelvis bone lies higher)."""
    overlap = min(first.last_slice, other.last_slice) - max(first.first_slice, other.first_slice) + 1
    return overlap >= MIN_LEG_Z_OVERLAP * min(len(first.components), len(other.components))


def _no_thigh_message(volume: CanonicalVolume, tracks: list[BoneTrack], source: str) -> str:
    searched = (volume.z_world(0), volume.z_world(volume.hu.shape[0] - 1))
    longest = sorted(tracks, key=lambda t: len(t.components), reverse=True)[:3]
    if longest:
        found = ", ".join(
            f"{t.length_mm(volume.spacing_mm):.0f} mm at z {volume.z_world(t.first_slice):.0f}.."
            f"{volume.z_world(t.last_slice):.0f} mm"
            for t in longest
        )
        found = f"the longest shaft-like bone tracks are {found}"
    else:
        found = "no shaft-like bone cross-section (compact bone alone in the middle of a leg) at all"
    return (
        f"no thigh found in {source}: searched z {searched[0]:.1f}..{searched[1]:.1f} mm "
        f"({volume.hu.shape[0]} slices at {volume.spacing_mm:g} mm) for a femoral shaft of at least "
        f"{MIN_SHAFT_LENGTH_MM:.0f} mm; {found}. The scan must cover the thighs (between hip and knee); "
        "this one seems to show another body region."
    )


def detect_thighs(
    image: sitk.Image,
    expected_shaft_length_mm: float = DEFAULT_SHAFT_LENGTH_MM,
    source: str = "the scan",
) -> ThighDetection:
    """Detect the thighs in a CT scan.

    Args:
        image: The scan in HU (any direction matrix).
        expected_shaft_length_mm: Typical femoral shaft length found in complete thighs; used to
            place the crop and estimate what is missing when a thigh is cut by the field of view.
        source: Name of the scan for messages.

    Returns:
        The legs found, with the midline between them when both are present.

    Raises:
        NoThighFoundError: If no femoral shaft of at least ``MIN_SHAFT_LENGTH_MM`` is found.
        LegSideUndecidedError: If only one leg is found and its hip does not tell its side.
    """
    volume = to_canonical(image, DETECTION_SPACING_MM)
    components = [
        slice_bone_components(volume.hu[k], k, volume.spacing_mm) for k in range(volume.hu.shape[0])
    ]
    tracks = link_tracks(components, volume.spacing_mm)
    long_tracks = [t for t in tracks if t.length_mm(volume.spacing_mm) >= MIN_SHAFT_LENGTH_MM]
    long_tracks.sort(key=lambda t: len(t.components), reverse=True)
    if not long_tracks:
        raise NoThighFoundError(_no_thigh_message(volume, tracks, source))

    chosen = [long_tracks[0]]
    first_x = long_tracks[0].world_centroids(volume)[:, 0].mean()
    for track in long_tracks[1:]:
        apart = abs(track.world_centroids(volume)[:, 0].mean() - first_x) >= MIN_LEG_SEPARATION_MM
        if apart and _side_by_side(long_tracks[0], track):
            chosen.append(track)
            break

    sides, notes = decide_sides(volume, chosen, source)

    legs = {side: _leg_from_track(t, side, volume, expected_shaft_length_mm) for side, t in sides.items()}
    midline = None
    if len(legs) == 2:
        midline = MidlinePlane.between(
            np.asarray(legs["left"].center_mm), np.asarray(legs["right"].center_mm)
        )
    searched = (volume.z_world(0), volume.z_world(volume.hu.shape[0] - 1))
    detection = ThighDetection(legs=legs, midline=midline, searched_z_mm=searched, notes=tuple(notes))
    for leg in legs.values():
        logger.info("%s: %s", source, leg.describe())
    for note in notes:
        logger.warning("%s: %s", source, note)
    return detection
