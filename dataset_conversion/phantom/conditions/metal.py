"""Metal: a hip prosthesis stem or an intramedullary nail in one femur, with streak artefacts.

``stem``: a metal ball inside the femoral head, a neck and a tapered stem down
the femoral canal to 30-40 % of the shaft. ``nail``: a rod down the canal from
the greater trochanter to 80-92 % of the shaft with a lag screw into the neck
and head. The metal is drawn at 6000-10000 HU in the clean volume (so the blur
spreads it a little) and the written image clips it to the phantom's maximum,
3071 HU. Artefacts: see :mod:`~dataset_conversion.phantom.conditions.metal_streaks`.
"""

from __future__ import annotations

import numpy as np

from dataset_conversion.phantom import sdf
from dataset_conversion.phantom.bones import BoneField
from dataset_conversion.phantom.conditions.base import Condition, Params
from dataset_conversion.phantom.conditions.metal_streaks import add_metal_streaks, sample_streaks
from dataset_conversion.phantom.grid import GridSpec
from dataset_conversion.phantom.leg_frame import LegFrame
from dataset_conversion.phantom.parameters import SubjectParams
from dataset_conversion.phantom.parts import Part

IMPLANTS = ("stem", "nail")


class ImplantPart(Part):
    """Metal capsules and spheres in world mm.

    Args:
        pieces: ``(start, end, radius_start, radius_end)`` capsules (a sphere has start == end).
        metal_hu: HU of the metal.
    """

    def __init__(self, pieces: list[tuple[np.ndarray, np.ndarray, float, float]], metal_hu: float):
        self.pieces, self.metal_hu = pieces, metal_hu
        ends = np.stack([p for a, b, _, _ in pieces for p in (a, b)])
        margin = max(max(r0, r1) for _, _, r0, r1 in pieces) + 5.0
        self.low, self.high = ends.min(axis=0) - margin, ends.max(axis=0) + margin

    def bones(self, x, y, z) -> list[BoneField]:
        """The implant, solid metal."""
        distance = np.minimum.reduce(
            [
                sdf.sphere((x, y, z), a, r0) if np.array_equal(a, b) else sdf.capsule((x, y, z), a, b, r0, r1)
                for a, b, r0, r1 in self.pieces
            ]
        ).astype(np.float32)
        solid = np.full_like(distance, 1e3)  # "cortex" through the whole implant
        return [BoneField(distance, solid, np.full_like(distance, self.metal_hu), self.metal_hu)]


def implant_pieces(frame: LegFrame, params: Params) -> list[tuple[np.ndarray, np.ndarray, float, float]]:
    """The implant's capsules in world mm."""

    def shaft(ts: float) -> np.ndarray:
        return frame.shaft_top + ts * frame.shaft_length * frame.shaft_dir

    def world(point: np.ndarray) -> np.ndarray:
        return frame.leg_to_world_point(point)

    head, neck = np.zeros(3), frame.neck_base
    r = params["radius_mm"]
    if params["implant"] == "stem":
        ball = world(head)
        return [
            (ball, ball, params["head_radius_mm"], params["head_radius_mm"]),
            (world(head), world(neck), 7.0, 8.0),
            (world(neck), world(shaft(params["end_fraction"])), r, 0.55 * r),
        ]
    screw_start = neck + 0.35 * (neck - head)
    return [
        (world(shaft(-0.03)), world(shaft(params["end_fraction"])), r, r),
        (world(screw_start), world(0.15 * neck), 5.0, 5.0),
    ]


class Metal(Condition):
    """A metal implant in one femur."""

    name = "metal"
    summary = "hip prosthesis stem or intramedullary nail in one femur, with streaks and a dark band"
    choices = IMPLANTS

    def sample(self, rng: np.random.Generator, value: str | None, sides: tuple[str, ...]) -> Params:
        """Draw this condition's parameters of a case."""
        implant = value or str(rng.choice(IMPLANTS))
        params = {
            "implant": implant,
            "side": str(rng.choice(sides)),
            "metal_hu": round(float(rng.uniform(6000.0, 10000.0)), 1),
            "end_fraction": round(
                float(rng.uniform(0.3, 0.4) if implant == "stem" else rng.uniform(0.8, 0.92)), 4
            ),
            "radius_mm": round(
                float(rng.uniform(8.0, 10.0) if implant == "stem" else rng.uniform(4.5, 6.0)), 2
            ),
            "head_radius_mm": round(float(rng.uniform(14.0, 18.0)), 2),
        }
        params["streaks"] = sample_streaks(rng)
        return params

    def parts(self, subject: SubjectParams, frames: list[LegFrame], params: Params) -> list[Part]:
        """Stage 4: the parts this condition adds."""
        frame = next(f for f in frames if f.params.side == params["side"])
        return [ImplantPart(implant_pieces(frame, params), params["metal_hu"])]

    def clean(self, clean: np.ndarray, grid: GridSpec, params: Params) -> None:
        """Stage 5: add the metal artefacts."""
        slices = add_metal_streaks(clean, grid, params["streaks"])
        params["slices_with_metal"] = len(slices)
        if slices:
            z = grid.axis(2)
            params["metal_z_range_mm"] = [round(float(z[min(slices)]), 2), round(float(z[max(slices)]), 2)]
