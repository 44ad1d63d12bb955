"""Quality scores per leg and muscle, from what the ensemble computes anyway, and the ``qc`` flag.

Scores (``thigh_inference/leg_ensemble.py`` collects the inputs on the leg's crop grid):

- ``agreement_orientations``: mean pairwise Dice, for that muscle, between the label maps of
  the orientations (each the argmax of its fold-mean probabilities, on every second voxel per
  axis); NaN for one network;
- ``agreement_folds``: the same between the folds' label maps (each fold's own argmax, per
  orientation, averaged over the orientations); NaN with one fold;
- ``mean_probability``: mean over the muscle's final voxels of the ensemble's probability of
  that muscle (how sure the winner was);
- ``removed_fraction``: share of the muscle's voted voxels (after air clearing) that the
  largest-component step removed, i.e. how much of it lay in other pieces;
- ``touches_crop_border``: the muscle reaches a face of the leg's crop (the crop may cut it).

Plausibility against the training data: a leg's muscle volume far outside the range of the
training legs (below half their smallest, above twice their largest; from the model's
``label_volumes.json``, when the model has one).

A muscle gets ``qc = check`` when any score crosses its threshold (:class:`QualityThresholds`,
calibrated on phantoms: ``documentation/quality_control.md``), with the reasons in
``qc_reason``; else ``ok``. A leg or muscle without voxels is ``ok`` with no scores.

Example:
    >>> maps = [np.array([[1, 1, 0]]), np.array([[1, 0, 0]])]
    >>> round(pairwise_agreement(maps, [1])[1], 3)
    0.667
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from thigh_common.labels import LABELS, MUSCLE_LABELS, NUM_CLASSES
from thigh_common.model_files.layout import FOLD_PREFIX, LABEL_VOLUMES_FILE

QC_OK, QC_CHECK = "ok", "check"
SCORE_COLUMNS: tuple[str, ...] = (
    "agreement_orientations",
    "agreement_folds",
    "mean_probability",
    "removed_fraction",
    "touches_crop_border",
)


@dataclass(frozen=True)
class QualityThresholds:
    """Where a score makes a muscle worth checking.

    Attributes:
        min_agreement_orientations: Below this mean pairwise Dice between orientations.
        min_agreement_folds: Below this mean pairwise Dice between folds.
        min_mean_probability: Below this mean winning probability.
        max_removed_fraction: Above this share removed by the largest-component step.
        volume_factor: Outside ``[smallest / f, largest * f]`` of the training legs' volumes.
    """

    min_agreement_orientations: float = 0.70
    min_agreement_folds: float = 0.70
    min_mean_probability: float = 0.75
    max_removed_fraction: float = 0.20
    volume_factor: float = 2.0


@dataclass
class LegQuality:
    """The scores of one leg, per muscle label (see the module docstring)."""

    agreement_orientations: dict[int, float] = field(default_factory=dict)
    agreement_folds: dict[int, float] = field(default_factory=dict)
    mean_probability: dict[int, float] = field(default_factory=dict)
    removed_fraction: dict[int, float] = field(default_factory=dict)
    touches_crop_border: dict[int, bool] = field(default_factory=dict)


LATTICE_STEP = 2
"""The agreement scores compare label maps on every second voxel along each axis (an eighth of the
voxels: the scores change by a few thousandths, the cost of the flag stays small)."""


def lattice_shape(shape: Sequence[int]) -> tuple[int, ...]:
    """The shape of a volume's quality lattice (every :data:`LATTICE_STEP`-th voxel per axis)."""
    return tuple(-(-size // LATTICE_STEP) for size in shape)


def pairwise_agreement(maps: Sequence[np.ndarray], labels: Sequence[int]) -> dict[int, float]:
    """Mean pairwise Dice per label between label maps; NaN with fewer than two maps.

    A pair in which the label is absent from both maps is left out; a label absent from all
    maps gets NaN.
    """
    if len(maps) < 2:
        return dict.fromkeys(labels, np.nan)
    dice: dict[int, list[float]] = {label: [] for label in labels}
    for first, second in itertools.combinations(maps, 2):
        a, b = first.reshape(-1), second.reshape(-1)
        size_a = np.bincount(a, minlength=NUM_CLASSES)
        size_b = np.bincount(b, minlength=NUM_CLASSES)
        both = np.bincount(a[a == b], minlength=NUM_CLASSES)
        for label in labels:
            total = size_a[label] + size_b[label]
            if total:
                dice[label].append(2.0 * both[label] / total)
    return {label: float(np.mean(values)) if values else np.nan for label, values in dice.items()}


def mean_winning_probability(
    probabilities: np.ndarray, labels: np.ndarray, scale: float = 1.0
) -> dict[int, float]:
    """Per muscle, the mean over its voxels of the ensemble's probability of it.

    Args:
        probabilities: ``(C, z, y, x)`` probabilities (any float type), times ``1 / scale``.
        labels: The final labels ``(z, y, x)``.
        scale: The factor that makes ``probabilities`` sum to 1 over C (e.g. 1 / number of networks).
    """
    flat = labels.reshape(-1).astype(np.intp)
    chosen = np.take_along_axis(probabilities.reshape(probabilities.shape[0], -1), flat[None], axis=0)[0]
    count = np.bincount(flat, minlength=NUM_CLASSES)
    total = np.bincount(flat, weights=chosen.astype(np.float64), minlength=NUM_CLASSES)
    return {
        label: float(scale * total[label] / count[label]) if count[label] else np.nan
        for label in MUSCLE_LABELS
    }


def removed_fraction(before: np.ndarray, after: np.ndarray) -> dict[int, float]:
    """Per muscle, the share of its voxels in ``before`` (voted, air cleared) not kept in ``after``."""
    count_before = np.bincount(before.reshape(-1), minlength=NUM_CLASSES)
    count_after = np.bincount(after.reshape(-1), minlength=NUM_CLASSES)
    return {
        label: float(1.0 - count_after[label] / count_before[label]) if count_before[label] else np.nan
        for label in MUSCLE_LABELS
    }


def touches_border(labels: np.ndarray) -> dict[int, bool]:
    """Per muscle, whether it has a voxel on a face of the crop."""
    present = np.zeros(NUM_CLASSES, dtype=bool)
    for axis in range(labels.ndim):
        for index in (0, labels.shape[axis] - 1):
            present[np.unique(np.take(labels, index, axis=axis))] = True
    return {label: bool(present[label]) for label in MUSCLE_LABELS}


def _mean(values: list[float]) -> float:
    """The mean of the values that are not NaN; NaN when there are none."""
    kept = [value for value in values if not np.isnan(value)]
    return float(np.mean(kept)) if kept else np.nan


def leg_quality(
    orientation_maps: Sequence[np.ndarray],
    fold_maps: Sequence[Sequence[np.ndarray]],
    probabilities: np.ndarray,
    voted: np.ndarray,
    labels: np.ndarray,
    scale: float = 1.0,
) -> LegQuality:
    """The scores of one leg on its crop grid.

    Args:
        orientation_maps: Per network, the argmax of its fold-mean probabilities.
        fold_maps: Per network, each fold's own argmax labels (one map each).
        probabilities: The ensemble's probabilities ``(C, z, y, x)``, times ``1 / scale``.
        voted: The vote's labels after air clearing, before the largest-component step.
        labels: The final labels.
        scale: The factor that makes ``probabilities`` sum to 1 over C.
    """
    per_network = [pairwise_agreement(maps, MUSCLE_LABELS) for maps in fold_maps if len(maps) > 1]
    return LegQuality(
        agreement_orientations=pairwise_agreement(orientation_maps, MUSCLE_LABELS),
        agreement_folds={label: _mean([scores[label] for scores in per_network]) for label in MUSCLE_LABELS},
        mean_probability=mean_winning_probability(probabilities, labels, scale),
        removed_fraction=removed_fraction(voted, labels),
        touches_crop_border=touches_border(labels),
    )


def training_volume_ranges(model_folder: Path, folds: Iterable[str]) -> dict[str, tuple[float, float]] | None:
    """Per muscle, the smallest and largest training volume (mL) over the folds' ``label_volumes.json``.

    Returns:
        None when no fold has the file (a model trained before it was written): no volume check.
    """
    ranges: dict[str, tuple[float, float]] = {}
    found = False
    for fold in folds:
        path = Path(model_folder) / f"{FOLD_PREFIX}{fold}" / LABEL_VOLUMES_FILE
        if not path.is_file():
            continue
        found = True
        for muscle, (low, high) in json.loads(path.read_text(encoding="utf-8"))["volume_ml"].items():
            old = ranges.get(muscle, (low, high))
            ranges[muscle] = (min(old[0], low), max(old[1], high))
    return ranges if found else None


NOT_SEGMENTED = "not segmented in this leg"
"""The reason of a muscle that a predicted leg does not hold at all."""


def _reasons(
    row: pd.Series, thresholds: QualityThresholds, volume_range: tuple[float, float] | None
) -> list[str]:
    reasons = []
    if row["agreement_orientations"] < thresholds.min_agreement_orientations:
        reasons.append(f"orientations disagree (Dice {row['agreement_orientations']:.2f})")
    if row["agreement_folds"] < thresholds.min_agreement_folds:
        reasons.append(f"folds disagree (Dice {row['agreement_folds']:.2f})")
    if row["mean_probability"] < thresholds.min_mean_probability:
        reasons.append(f"unsure (mean probability {row['mean_probability']:.2f})")
    if row["removed_fraction"] > thresholds.max_removed_fraction:
        reasons.append(f"in pieces ({100 * row['removed_fraction']:.0f} % outside the largest)")
    if row["touches_crop_border"] is True:
        reasons.append("reaches the edge of the leg's crop")
    if volume_range is not None and row["volume_ml"] > 0:
        low, high = volume_range
        if (
            row["volume_ml"] < low / thresholds.volume_factor
            or row["volume_ml"] > high * thresholds.volume_factor
        ):
            reasons.append(f"volume {row['volume_ml']:.0f} mL far outside training ({low:.0f}-{high:.0f} mL)")
    return reasons


def add_quality(
    table: pd.DataFrame,
    legs: Mapping[str, LegQuality],
    training_volumes: Mapping[str, tuple[float, float]] | None = None,
    thresholds: QualityThresholds = QualityThresholds(),  # noqa: B008 - frozen, immutable default
) -> pd.DataFrame:
    """A copy of a case table (muscle rows) with the scores, ``qc`` and ``qc_reason``.

    Args:
        table: Muscle rows of :func:`thigh_inference.muscle_table.case_table`.
        legs: Each predicted leg's scores, by side.
        training_volumes: Per muscle name, the smallest and largest volume (mL) among the
            training legs; None to skip the volume check.
        thresholds: The flag's thresholds.
    """
    scored = table.copy()
    for column in SCORE_COLUMNS:
        scored[column] = np.nan if column != "touches_crop_border" else None
    scored["qc"], scored["qc_reason"] = QC_OK, ""
    for index, row in scored.iterrows():
        quality = legs.get(row["side"])
        if quality is None:  # a leg outside the scan: its note says so
            continue
        if not row["volume_ml"] > 0:  # the worst failure there is: a muscle of a predicted leg missing
            scored.at[index, "qc"], scored.at[index, "qc_reason"] = QC_CHECK, NOT_SEGMENTED
            continue
        label = int(row["label"])
        for column in SCORE_COLUMNS:
            scored.at[index, column] = getattr(quality, column).get(label, np.nan)
        volume_range = (training_volumes or {}).get(LABELS[label])
        reasons = _reasons(scored.loc[index], thresholds, volume_range)
        if reasons:
            scored.at[index, "qc"], scored.at[index, "qc_reason"] = QC_CHECK, "; ".join(reasons)
    return scored


def flags_of(table: pd.DataFrame) -> dict[str, str]:
    """The flagged muscles of a scored case table for the overlay: muscle name -> ``side: reason``."""
    flagged = table[(table.get("kind", "muscle") == "muscle") & table["qc"].eq(QC_CHECK)]
    flags: dict[str, list[str]] = {}
    for _, row in flagged.iterrows():
        flags.setdefault(row["muscle"], []).append(f"{row['side']}: {row['qc_reason']}")
    return {muscle: "; ".join(reasons) for muscle, reasons in flags.items()}
