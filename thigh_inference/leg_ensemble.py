"""Predict one preprocessed leg with every fold and network of a model, vote, keep largest components.

For each network (orientation) the folds' probabilities are averaged; the
orientations are then combined by the paper's winner-takes-all vote over the
summed probabilities (or a majority vote of their label maps), and only the
largest 3D connected component of each muscle is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from thigh_inference.postprocessing import keep_largest_component
from thigh_inference.trained_model import TrainedModel, predict_folds
from thigh_inference.voting import combine_orientations


@dataclass(frozen=True)
class LegPrediction:
    """The prediction of one leg on its crop grid.

    Attributes:
        labels: uint8 labels ``(z, y, x)`` after voting and postprocessing.
        voted: uint8 labels ``(z, y, x)`` of the vote alone (before air clearing and the
            largest-component step), or None when not asked for.
        probabilities: Mean over networks of the fold-averaged probabilities ``(C, z, y, x)``
            (float16), or None when not asked for.
        seconds_networks: Time spent in the networks.
        seconds_voting: Time spent voting and postprocessing.
    """

    labels: np.ndarray
    probabilities: np.ndarray | None
    seconds_networks: float
    seconds_voting: float
    voted: np.ndarray | None = None


def predict_leg(
    model: TrainedModel,
    image: np.ndarray,
    device: torch.device,
    amp: bool = False,
    voting: str = "sum",
    postprocess: bool = True,
    keep_probabilities: bool = False,
    air_mask: np.ndarray | None = None,
    clock: Callable[[], float] | None = None,
    keep_voted: bool = False,
) -> LegPrediction:
    """Predict a normalised leg crop ``(z, y, x)`` with every fold and network of ``model``.

    Args:
        model: The loaded model.
        image: The leg crop, normalised as in training.
        device: Where the networks run.
        amp: Mixed precision (fp16 on CUDA, bf16 on CPU).
        voting: ``"sum"`` (winner takes all over summed probabilities) or ``"majority"``.
        postprocess: Keep only the largest 3D component of each muscle.
        keep_probabilities: Also return the mean probabilities (float16).
        air_mask: Boolean ``(z, y, x)`` of crop voxels that are air; cleared before the
            largest-component step, so faint responses in air never win it. With ``postprocess``
            the 2D networks also skip slices whose input is all air.
        clock: Time source (``time.perf_counter`` by default).
        keep_voted: Also return the labels of the vote before postprocessing.
    """
    import time

    clock = clock or time.perf_counter
    started = clock()
    # All-air slices need no network when air is cleared from the labels afterwards.
    skip_air = air_mask if postprocess else None
    fold_networks = list(model.networks.values())
    per_network: list[np.ndarray] = []
    summed: np.ndarray | None = None
    for name in model.network_names:
        networks = [networks_of_fold[name] for networks_of_fold in fold_networks]
        arguments = (networks, name, image, model.plans, model.configuration, device, amp, skip_air)
        if voting == "sum":  # the orientations' fold means add up in one volume
            summed = predict_folds(*arguments, into=summed)
        else:
            per_network.append(predict_folds(*arguments))
    networks_done = clock()
    if summed is not None:
        labels = np.argmax(summed, axis=0).astype(np.uint8)  # the paper's winner takes all
    else:
        labels = combine_orientations(per_network, mode=voting)
    voted = labels.copy() if keep_voted else None
    if postprocess and air_mask is not None:
        labels[air_mask] = 0
    if postprocess:
        labels = keep_largest_component(labels)
    probabilities = None
    if keep_probabilities:
        total = summed if summed is not None else np.sum(per_network, axis=0, dtype=np.float32)
        probabilities = (total / len(model.network_names)).astype(np.float16)
    return LegPrediction(labels, probabilities, networks_done - started, clock() - networks_done, voted)
