"""``fold_F/label_volumes.json``: the range of each muscle's volume among the fold's training legs.

``thigh_predict`` flags a predicted muscle whose volume lies far outside this range
(:mod:`thigh_inference.quality`). Volumes are voxel counts on the preprocessed legs' grid
times the plans' voxel volume, in mL.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from thigh_common.atomic import write_json_atomic
from thigh_common.labels import LABELS, MUSCLE_LABELS, NUM_CLASSES
from thigh_common.model_files.layout import LABEL_VOLUMES_FILE


def label_volume_ranges(labels: Sequence[np.ndarray], voxel_mm: Sequence[float]) -> dict[str, list[float]]:
    """Per muscle name, ``[smallest, largest]`` volume in mL over the legs where it is present."""
    voxel_ml = float(np.prod(voxel_mm)) / 1000.0
    counts = np.stack([np.bincount(leg.reshape(-1), minlength=NUM_CLASSES)[:NUM_CLASSES] for leg in labels])
    ranges = {}
    for label in MUSCLE_LABELS:
        present = counts[:, label][counts[:, label] > 0]
        if present.size:
            ranges[LABELS[label]] = [
                round(float(present.min()) * voxel_ml, 2),
                round(float(present.max()) * voxel_ml, 2),
            ]
    return ranges


def write_label_volumes(folder: Path, labels: Sequence[np.ndarray], voxel_mm: Sequence[float]) -> None:
    """Write the fold's ``label_volumes.json`` (atomically)."""
    write_json_atomic(
        {"legs": len(labels), "volume_ml": label_volume_ranges(labels, voxel_mm)}, folder / LABEL_VOLUMES_FILE
    )
