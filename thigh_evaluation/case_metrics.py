"""Metrics of one case: per leg, for each muscle and muscle group, against the reference.

See "What is measured" in ``documentation/thigh_evaluate.md``. Each structure is scored inside the
bounding box of its voxels in either mask (plus one voxel), from one ``scipy.ndimage.find_objects`` pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.ndimage import find_objects

from thigh_common.metrics import dice_per_class
from thigh_evaluation.case_inputs import MAX_LABEL, CaseLabels, read_case_labels
from thigh_evaluation.leg_split import LEFT_CODE_OFFSET, LegSplit, encode_legs, find_leg_split
from thigh_evaluation.structures import ABSENT_IN_BOTH, PRESENT, STRUCTURES, presence_status
from thigh_evaluation.surface_metrics import surface_distances

NAN = float("nan")
Box = tuple[slice, ...]


@dataclass(frozen=True)
class StructureScore:
    """The metrics of one structure in one leg of one case (one row of ``metrics.csv``)."""

    case: str
    leg: str
    kind: str
    label: int | None
    structure: str
    status: str
    dice: float
    asd_mm: float
    hd95_mm: float
    volume_ref_ml: float
    volume_pred_ml: float
    volume_diff_ml: float
    volume_diff_pct: float

    def row(self) -> dict[str, Any]:
        """The row as a dict, keys in column order."""
        return asdict(self)


@dataclass(frozen=True)
class CaseResult:
    """How the legs of a case were found, and a score per leg and structure (in ``STRUCTURES`` order)."""

    case: str
    split: LegSplit
    scores: tuple[StructureScore, ...]


def score_masks(
    reference: np.ndarray, prediction: np.ndarray, spacing_zyx: Sequence[float], voxel_volume_ml: float
) -> dict[str, Any]:
    """``status``, ``dice``, ``asd_mm``, ``hd95_mm`` and the four volumes of one structure's boolean masks."""
    reference_voxels = int(np.count_nonzero(reference))
    predicted_voxels = int(np.count_nonzero(prediction))
    status = presence_status(reference_voxels, predicted_voxels)
    volume_ref = reference_voxels * voxel_volume_ml
    volume_pred = predicted_voxels * voxel_volume_ml
    scores: dict[str, Any] = {
        "status": status,
        "dice": NAN,
        "asd_mm": NAN,
        "hd95_mm": NAN,
        "volume_ref_ml": volume_ref,
        "volume_pred_ml": volume_pred,
        "volume_diff_ml": NAN,
        "volume_diff_pct": NAN,
    }
    if status == ABSENT_IN_BOTH:
        return scores
    scores["dice"] = dice_per_class(prediction, reference, labels=(1,))[1]
    scores["volume_diff_ml"] = volume_pred - volume_ref
    if reference_voxels:
        scores["volume_diff_pct"] = 100.0 * (volume_pred - volume_ref) / volume_ref
    if status == PRESENT:
        distances = surface_distances(reference, prediction, spacing_zyx)
        scores["asd_mm"], scores["hd95_mm"] = distances.asd_mm, distances.hd95_mm
    return scores


def _merged_box(boxes: list[Box], shape: tuple[int, ...], margin: int = 1) -> Box:
    """The smallest box holding every box in ``boxes``, grown by ``margin`` and clipped to ``shape``."""
    return tuple(
        slice(
            max(min(b[axis].start for b in boxes) - margin, 0),
            min(max(b[axis].stop for b in boxes) + margin, n),
        )
        for axis, n in enumerate(shape)
    )


def _mask(crop: np.ndarray, codes: tuple[int, ...]) -> np.ndarray:
    return crop == codes[0] if len(codes) == 1 else np.isin(crop, codes)


def _structure_metrics(
    codes: tuple[int, ...], labels: CaseLabels, boxes: tuple[list[Box | None], list[Box | None]]
) -> dict[str, Any]:
    """:func:`score_masks` of the voxels whose (leg-encoded) value is one of ``codes``, inside their box."""
    found = [box for code in codes for side in boxes if (box := side[code - 1]) is not None]
    if not found:
        empty = np.zeros((1, 1, 1), dtype=bool)
        return score_masks(empty, empty, labels.spacing_zyx, labels.voxel_volume_ml)
    box = _merged_box(found, labels.reference.shape)
    reference, prediction = _mask(labels.reference[box], codes), _mask(labels.prediction[box], codes)
    return score_masks(reference, prediction, labels.spacing_zyx, labels.voxel_volume_ml)


def evaluate_labels(case_id: str, labels: CaseLabels) -> CaseResult:
    """Score every leg and structure of a case; ``labels`` are modified (each leg encoded into the values)."""
    split = find_leg_split(labels.reference, labels.world_x, case_id)
    offsets = encode_legs(labels.reference, labels.world_x, split)
    encode_legs(labels.prediction, labels.world_x, split)
    max_code = MAX_LABEL + LEFT_CODE_OFFSET
    boxes = (
        find_objects(labels.reference, max_label=max_code),
        find_objects(labels.prediction, max_label=max_code),
    )
    computed: dict[tuple[int, ...], dict[str, Any]] = {}  # the group "sartorius" is the class sartorius
    scores = []
    for leg in split.legs:
        for structure in STRUCTURES:
            codes = tuple(label + offsets[leg] for label in structure.labels)
            if codes not in computed:
                computed[codes] = _structure_metrics(codes, labels, boxes)
            scores.append(
                StructureScore(
                    case_id, leg, structure.kind, structure.label, structure.name, **computed[codes]
                )
            )
    return CaseResult(case_id, split, tuple(scores))


def evaluate_case(case_id: str, reference_path: Path, prediction_path: Path) -> CaseResult:
    """Read, check and score one case.

    Raises:
        InvalidInputError: If a file cannot be read, the grids differ, the reference holds no muscle, or the
            side of a single leg cannot be told.
    """
    return evaluate_labels(case_id, read_case_labels(case_id, reference_path, prediction_path))
