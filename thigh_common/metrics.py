"""Overlap metrics between a predicted and a reference label map.

Example:
    >>> import numpy as np
    >>> prediction = np.array([[[0, 1, 1, 2]]], dtype=np.uint8)
    >>> reference = np.array([[[0, 1, 2, 2]]], dtype=np.uint8)
    >>> dice_per_class(prediction, reference, labels=(1, 2, 3))
    {1: 0.6666666666666666, 2: 0.6666666666666666, 3: nan}
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from thigh_common.labels import MUSCLE_LABELS


def dice_per_class(
    prediction: np.ndarray, reference: np.ndarray, labels: Iterable[int] = MUSCLE_LABELS
) -> dict[int, float]:
    """Dice similarity coefficient ``2 |P & R| / (|P| + |R|)`` of each label.

    A label absent from both maps has no defined Dice and gets NaN (use ``np.nanmean``
    to average over labels); a label present in only one of them gets 0.

    Args:
        prediction: Predicted label map, any shape, integer labels.
        reference: Reference label map of the same shape.
        labels: The labels to score (default: the ten muscles 1..10).

    Returns:
        Dice per label, in the order of ``labels``.

    Raises:
        ValueError: If the shapes differ.
    """
    if prediction.shape != reference.shape:
        raise ValueError(
            f"The prediction has shape {prediction.shape} but the reference has {reference.shape}; "
            "Dice needs label maps on the same grid."
        )
    scores: dict[int, float] = {}
    for label in labels:
        predicted = prediction == label
        expected = reference == label
        total = np.count_nonzero(predicted) + np.count_nonzero(expected)
        if total == 0:
            scores[int(label)] = float("nan")
            continue
        overlap = np.count_nonzero(np.logical_and(predicted, expected, out=predicted))
        scores[int(label)] = float(2.0 * overlap / total)
    return scores
