"""Combine probability volumes: the mean over folds, and the vote over orientations.

The paper combines its axial, coronal and sagittal U-Nets by a "winner takes all"
rule over their summed probabilities (mode ``"sum"``): each voxel gets the class
with the largest summed probability. Mode ``"majority"`` is the alternative
reading: each orientation votes for its own argmax class, the class with most votes
wins, and a tie between classes is broken by the summed probability.

Example:
    >>> folds_mean = average_folds(fold_probabilities)  # (C, z, y, x)
    >>> labels = combine_orientations([axial, coronal, sagittal])  # uint8 (z, y, x)
    >>> labels = winner_takes_all(axial + coronal + sagittal)  # the same, from the sum

:func:`thigh_inference.leg_ensemble.predict_leg` is the one place that applies these rules
(with the postprocessing) to a model's networks; ``thigh_predict`` and the trainer's final
validation both call it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np

logger = logging.getLogger(__name__)

VOTING_MODES: tuple[str, ...] = ("sum", "majority")


def average_folds(probabilities: Iterable[np.ndarray]) -> np.ndarray:
    """Mean of probability volumes, read one at a time (a generator keeps one fold in memory).

    Args:
        probabilities: Volumes ``(C, z, y, x)`` of one shape, e.g. one per fold.

    Returns:
        float32 mean ``(C, z, y, x)``.

    Raises:
        ValueError: If there are no volumes, or their shapes differ.
    """
    total: np.ndarray | None = None
    count = 0
    for volume in probabilities:
        if total is None:
            total = np.array(volume, dtype=np.float32, copy=True)
        elif volume.shape != total.shape:
            raise ValueError(
                f"Fold {count} has probabilities of shape {volume.shape}, fold 0 has {total.shape}; "
                "all folds must predict the same volume."
            )
        else:
            total += volume
        count += 1
    if total is None:
        raise ValueError("No probability volumes to average: expected at least one fold.")
    total /= count
    return total


def combine_orientations(probabilities: Sequence[np.ndarray], mode: str = "sum") -> np.ndarray:
    """Vote the orientations' probability volumes into one label map.

    Args:
        probabilities: One volume ``(C, z, y, x)`` per orientation, all of one shape, C <= 256.
        mode: ``"sum"`` (the paper's winner takes all: argmax of the summed probabilities)
            or ``"majority"`` (majority of the per-orientation argmax labels; ties broken by
            the summed probability). Remaining ties go to the lowest label.

    Returns:
        uint8 labels ``(z, y, x)``.

    Raises:
        ValueError: On an unknown mode, no volumes, volumes that are not 4D or differ in shape,
            or more than 256 classes.
    """
    if mode not in VOTING_MODES:
        raise ValueError(f"Unknown voting mode {mode!r}; expected one of: {', '.join(VOTING_MODES)}.")
    volumes = list(probabilities)
    _check_volumes(volumes)
    summed = _sum(volumes)
    if mode == "sum":
        return winner_takes_all(summed)
    return _majority(volumes, summed)


def winner_takes_all(summed: np.ndarray) -> np.ndarray:
    """The paper's vote: each voxel gets the class of largest summed probability (ties: lowest label).

    Args:
        summed: The orientations' probabilities added up, ``(C, z, y, x)``, C <= 256.

    Returns:
        uint8 labels ``(z, y, x)``.
    """
    return class_argmax(summed)


def class_argmax(values: np.ndarray) -> np.ndarray:
    """uint8 argmax over the first axis (the classes), lowest class on ties, as ``np.argmax(values, 0)``.

    A running maximum over the classes with preallocated buffers: 0.07 s against 0.12 s for
    ``np.argmax`` on 11 classes of 180 x 128 x 128, and the voting step of one clinical scan
    0.5-0.8 s instead of 2.6-2.9 s. Unlike ``np.argmax`` it never picks a NaN (probabilities have none).
    """
    best = values[0].copy()
    index = np.zeros(best.shape, np.uint8)
    better = np.empty(best.shape, bool)
    for label in range(1, values.shape[0]):
        np.greater(values[label], best, out=better)
        np.maximum(best, values[label], out=best)
        np.putmask(index, better, label)
    return index


def _check_volumes(volumes: list[np.ndarray]) -> None:
    if not volumes:
        raise ValueError(
            "No probability volumes to combine: expected one (C, z, y, x) volume per orientation."
        )
    shape = volumes[0].shape
    if len(shape) != 4:
        raise ValueError(f"Expected probability volumes of shape (C, z, y, x), found shape {shape}.")
    for index, volume in enumerate(volumes):
        if volume.shape != shape:
            raise ValueError(
                f"Probability volume {index} has shape {volume.shape}, volume 0 has {shape}; "
                "all orientations must cover the same volume with the same classes."
            )
    if shape[0] > 256:
        raise ValueError(f"At most 256 classes fit a uint8 label map, found {shape[0]}.")


def _sum(volumes: list[np.ndarray]) -> np.ndarray:
    summed = np.array(volumes[0], dtype=np.float32, copy=True)
    for volume in volumes[1:]:
        summed += volume
    return summed


def _majority(volumes: list[np.ndarray], summed: np.ndarray) -> np.ndarray:
    """Most votes wins; the score ``votes * (K + 1) + summed`` breaks ties by the summed probability.

    A summed probability is at most K (the number of orientations), so one vote more
    always outweighs any difference of summed probability.
    """
    num_orientations = len(volumes)
    choices = [class_argmax(volume) for volume in volumes]
    score = summed  # reused in place: (C, z, y, x) float32
    votes = np.zeros(summed.shape[1:], dtype=np.uint8)
    for label in range(summed.shape[0]):
        votes[...] = 0
        for choice in choices:
            votes += choice == label
        score[label] += votes * np.float32(num_orientations + 1)
    return class_argmax(score)
