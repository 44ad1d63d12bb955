"""Arms down: forearms and hands beside or on the thighs (all background, label 0).

Each leg in view gets the arm of its side. The elbow lies beside the trunk (at
the level of its widest point front to back), the forearm runs down to a wrist at 15-25 % of the thigh (from the hip), and the
hand lies along the thigh for 16-20 cm (x body scale): ``beside`` the thigh,
palm against its lateral skin, or ``on`` it, palm on the anterior skin. The
wrist and fingertips are placed in the leg's frame just outside its skin, so
the thigh keeps its shape and labels. Soft tissue is skin and 3-10 mm of fat
around arm muscle; radius and ulna run side by side in the forearm, a carpal
block, four metacarpals and four fingers make the hand.
"""

from __future__ import annotations

import numpy as np

from dataset_conversion.phantom import sdf
from dataset_conversion.phantom.bones import BoneField
from dataset_conversion.phantom.conditions.base import Condition, Params
from dataset_conversion.phantom.leg_frame import LegFrame
from dataset_conversion.phantom.parameters import SubjectParams
from dataset_conversion.phantom.parts import Part, Tissue
from dataset_conversion.phantom.render import trunk_distance, trunk_radii

MODES = ("beside", "on")
SKIN_GAP = 3.0
"""Gap (mm) kept between the arm's skin and the thigh's or trunk's skin."""
FINGER_SPREAD = (-13.0, -4.5, 4.5, 13.0)
"""Offsets (mm, across the palm) of the four metacarpal/finger rays."""


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)


def _outside_skin(frame: LegFrame, t: float, mode: str, radius: float, skin: float) -> np.ndarray:
    """Leg-frame point at level ``t`` whose sphere of ``radius`` just clears the thigh's skin."""
    i = int(frame.t_index(np.array(t)))
    fat = 1.35 * frame.fat[i] + skin + radius + SKIN_GAP
    if mode == "beside":
        return np.array(
            [frame.comp_u[i] + frame.comp_ru[i] + fat, frame.comp_v[i], t * frame.params.femur_length]
        )
    u = frame.comp_u[i] + 0.3 * frame.comp_ru[i]
    return np.array([u, frame.comp_v[i] + frame.comp_rv[i] + fat, t * frame.params.femur_length])


def _clear_trunk(subject: SubjectParams, point: np.ndarray, radius: float, sign: int) -> np.ndarray:
    """Move ``point`` laterally (world x) until a sphere of ``radius`` clears the trunk's skin."""
    point = point.copy()
    for _ in range(100):
        distance = float(trunk_distance(subject, *(np.array([c], np.float32) for c in point))[0])
        if distance >= radius + SKIN_GAP:
            break
        point[0] += sign * 2.0
    return point


class ArmPart(Part):
    """One forearm and hand.

    Args:
        elbow: World position of the elbow (mm).
        wrist: World position of the wrist.
        tip: World position of the middle fingertips.
        spread: Unit world direction across the palm.
        params: The condition's parameters (radii, fat, HU).
    """

    fillet = 4.0

    def __init__(
        self, elbow: np.ndarray, wrist: np.ndarray, tip: np.ndarray, spread: np.ndarray, params: Params
    ):
        self.elbow, self.wrist, self.tip, self.p = elbow, wrist, tip, params
        axis = _unit(tip - wrist)
        self.spread = _unit(spread - (spread @ axis) * axis)
        self.rays = [(wrist + o * self.spread * 0.5, tip + o * self.spread) for o in FINGER_SPREAD]
        forearm = _unit(wrist - elbow)
        across = _unit(np.array([0.0, 1.0, 0.0]) - forearm[1] * forearm)  # radius anterior, ulna posterior
        self.radius_bone = (elbow - 8.0 * across - 10.0 * forearm, wrist - 9.0 * across)
        self.ulna = (elbow + 8.0 * across - 25.0 * forearm, wrist + 9.0 * across)
        points = np.stack([elbow, wrist, tip, *[r[1] for r in self.rays]])
        margin = params["elbow_radius_mm"] + 5.0
        self.low, self.high = points.min(axis=0) - margin, points.max(axis=0) + margin

    def envelope(self, x, y, z) -> np.ndarray:
        """Skin: forearm and hand."""
        p = self.p
        pts = (x, y, z)
        forearm = sdf.capsule(pts, self.elbow, self.wrist, p["elbow_radius_mm"], p["wrist_radius_mm"])
        hand = [sdf.capsule(pts, a, b, p["hand_radius_mm"], 0.7 * p["hand_radius_mm"]) for a, b in self.rays]
        return np.minimum.reduce([forearm, *hand]).astype(np.float32)

    def tissues(self, x, y, z) -> list[Tissue]:
        """Arm muscle inside the fat layer."""
        return [(self.envelope(x, y, z) + np.float32(self.p["fat_mm"]), self.p["muscle_hu"])]

    def bones(self, x, y, z) -> list[BoneField]:
        """Radius, ulna, carpal block, metacarpals and fingers."""
        p, pts = self.p, (x, y, z)
        axis = _unit(self.tip - self.wrist)
        hand_length = float(np.linalg.norm(self.tip - self.wrist))
        parts = [
            sdf.capsule(pts, *self.radius_bone, 6.0, 10.0),
            sdf.capsule(pts, *self.ulna, 8.0, 5.0),
            sdf.sphere(pts, self.wrist + 18.0 * axis, 13.0),
        ]
        for start, end in self.rays:
            knuckle = start + 0.42 * (end - start)
            parts.append(sdf.capsule(pts, start + 0.1 * hand_length * axis, knuckle, 4.5, 4.0))
            parts.append(sdf.capsule(pts, knuckle + 4.0 * axis, end - 6.0 * axis, 3.5, 2.5))
        distance = np.minimum.reduce(parts).astype(np.float32)
        cortex = np.full_like(distance, 1.8)
        inner = np.full_like(distance, p["marrow_hu"])
        return [BoneField(distance, cortex, inner, p["cortex_hu"])]


class Arms(Condition):
    """Forearms and hands beside or on the thighs."""

    name = "arms"
    summary = "forearms and hands beside or on the thighs (bone HU, labels 0)"
    choices = MODES

    def sample(self, rng: np.random.Generator, value: str | None, sides: tuple[str, ...]) -> Params:
        """Draw this condition's parameters of a case."""
        return {
            "mode": value or str(rng.choice(MODES)),
            "wrist_level_t": round(float(rng.uniform(0.15, 0.25)), 4),
            "forearm_length_mm": round(float(rng.uniform(240.0, 280.0)), 2),
            "hand_length_mm": round(float(rng.uniform(160.0, 200.0)), 2),
            "elbow_radius_mm": round(float(rng.uniform(36.0, 44.0)), 2),
            "wrist_radius_mm": round(float(rng.uniform(24.0, 30.0)), 2),
            "hand_radius_mm": round(float(rng.uniform(10.0, 12.0)), 2),
            "fat_mm": round(float(rng.uniform(3.0, 10.0)), 2),
            "muscle_hu": round(float(rng.uniform(45.0, 60.0)), 1),
            "cortex_hu": round(float(rng.uniform(1200.0, 1600.0)), 1),
            "marrow_hu": round(float(rng.uniform(-50.0, 150.0)), 1),
        }

    def parts(self, subject: SubjectParams, frames: list[LegFrame], params: Params) -> list[Part]:
        """Stage 4: the parts this condition adds."""
        s = subject.scale
        mode = params["mode"]
        arms: list[Part] = []
        for frame in frames:
            sign, length = frame.params.sign, frame.params.femur_length
            t_wrist = params["wrist_level_t"]
            t_tip = t_wrist + params["hand_length_mm"] * s / length
            wrist_radius = params["wrist_radius_mm"] * s
            wrist = frame.leg_to_world_point(
                _outside_skin(frame, t_wrist, mode, wrist_radius, subject.skin_thickness)
            )
            wrist = _clear_trunk(subject, wrist, wrist_radius, sign)
            tip = frame.leg_to_world_point(
                _outside_skin(frame, t_tip, mode, params["hand_radius_mm"], subject.skin_thickness)
            )
            # The elbow lies beside the trunk (at its widest, y of its centre) in both modes.
            elbow = np.array([wrist[0], trunk_radii(subject)[2], wrist[2] + params["forearm_length_mm"] * s])
            elbow = _clear_trunk(subject, elbow, params["elbow_radius_mm"] * s, sign)
            spread = (
                np.array([0.0, 1.0, 0.0]) if mode == "beside" else frame.leg_to_world @ np.array([1.0, 0, 0])
            )
            scaled = {
                **params,
                "elbow_radius_mm": params["elbow_radius_mm"] * s,
                "wrist_radius_mm": wrist_radius,
            }
            arms.append(ArmPart(elbow, wrist, tip, spread, scaled))
            params[f"{frame.params.side}_mm"] = {
                "elbow": [round(float(c), 2) for c in elbow],
                "wrist": [round(float(c), 2) for c in wrist],
                "fingertips": [round(float(c), 2) for c in tip],
            }
        return arms
