"""The ensemble: predict one preprocessed leg with every fold and network of a model, vote, postprocess.

This is the one function that turns a model's networks into labels; ``thigh_predict`` (through
:func:`thigh_inference.scan_prediction.predict_scan`, run by the experiment as a subprocess too)
and the trainer's final validation (:mod:`thigh_trainer.training.validation`) both call
:func:`predict_leg`. Its steps:

1. fold mean: for each network (orientation, or ``volume``) the folds' probabilities are averaged
   (:func:`predict_fold_mean`);
2. orientation vote: the paper's winner takes all over the summed probabilities
   (:func:`thigh_inference.voting.winner_takes_all`), or a majority vote of their label maps
   (:func:`thigh_inference.voting.combine_orientations`);
3. postprocessing (:func:`thigh_inference.postprocessing.postprocess_leg`): labels in air are
   cleared, then only the largest 3D component of each muscle is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from thigh_inference.postprocessing import postprocess_leg
from thigh_inference.quality import LegQuality, leg_quality
from thigh_inference.settings import PredictionSettings
from thigh_inference.slice_prediction import predict_slices
from thigh_inference.trained_model import TrainedModel
from thigh_inference.volume_prediction import predict_leg_3d
from thigh_inference.voting import average_folds, combine_orientations, winner_takes_all
from thigh_planner.plans import VOLUME_NETWORK

STEP_FRACTION = 0.5
"""Step between the 3D network's sliding-window patches, as a fraction of the patch."""
MIN_SLICE_BATCH = 16
SLICE_BATCH_MULTIPLE = 8
"""Slice batches are a multiple of the batch the OpenVINO networks are compiled for
(:data:`thigh_inference.openvino_network.COMPILED_BATCH`), so only a leg's last batch is padded."""


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
        quality: The muscles' quality scores, when asked for (``settings.quality``).
    """

    labels: np.ndarray
    probabilities: np.ndarray | None
    seconds_networks: float
    seconds_voting: float
    voted: np.ndarray | None = None
    quality: LegQuality | None = None


def predict_leg(
    model: TrainedModel,
    image: np.ndarray,
    settings: PredictionSettings = PredictionSettings(),  # noqa: B008 - frozen, immutable default
    air_mask: np.ndarray | None = None,
    clock: Callable[[], float] | None = None,
    keep_voted: bool = False,
) -> LegPrediction:
    """Predict a normalised leg crop ``(z, y, x)`` with every fold and network of ``model``.

    Args:
        model: The loaded model.
        image: The leg crop, normalised as in training.
        settings: Device, mixed precision, voting mode, postprocessing, and whether to keep the
            mean probabilities (float16).
        air_mask: Boolean ``(z, y, x)`` of crop voxels that are air; cleared before the
            largest-component step, so faint responses in air never win it. With postprocessing
            the 2D networks also skip slices whose input is all air.
        clock: Time source (``time.perf_counter`` by default).
        keep_voted: Also return the labels of the vote before postprocessing.
    """
    clock = clock or time.perf_counter
    started = clock()
    # All-air slices need no network when air is cleared from the labels afterwards.
    skip_air = air_mask if settings.postprocess else None
    per_network: list[np.ndarray] = []
    orientation_maps: list[np.ndarray] = []
    fold_maps: list[list[np.ndarray]] = []
    summed: np.ndarray | None = None
    for name in model.network_names:
        maps = [np.zeros(image.shape, np.uint8) for _ in model.networks] if settings.quality else None
        if settings.voting == "sum" and not settings.quality:  # the fold means add up in one volume
            summed = predict_fold_mean(model, name, image, settings, skip_air, into=summed)
            continue
        mean = predict_fold_mean(model, name, image, settings, skip_air, fold_labels=maps)
        if settings.quality:
            orientation_maps.append(winner_takes_all(mean))
            fold_maps.append(maps)
        if settings.voting == "sum":
            summed = mean if summed is None else np.add(summed, mean, out=summed)
        else:
            per_network.append(mean)
    networks_done = clock()
    if summed is not None:
        labels = winner_takes_all(summed)
    else:
        labels = combine_orientations(per_network, mode=settings.voting)
    voted = labels.copy() if keep_voted else None
    cleared = labels  # the air step works in place: after it, the vote without air
    if settings.postprocess:
        labels = postprocess_leg(labels, air_mask)
    total = summed if summed is not None else None
    if settings.keep_probabilities or settings.quality:
        total = summed if summed is not None else np.sum(per_network, axis=0, dtype=np.float32)
    probabilities = None
    if settings.keep_probabilities:
        probabilities = (total / len(model.network_names)).astype(np.float16)
    quality = None
    if settings.quality:
        mean_probabilities = total / np.float32(len(model.network_names))
        quality = leg_quality(orientation_maps, fold_maps, mean_probabilities, cleared, labels)
    return LegPrediction(
        labels, probabilities, networks_done - started, clock() - networks_done, voted, quality
    )


def predict_fold_mean(
    model: TrainedModel,
    name: str,
    image: np.ndarray,
    settings: PredictionSettings,
    air_mask: np.ndarray | None = None,
    into: np.ndarray | None = None,
    fold_labels: list[np.ndarray] | None = None,
) -> np.ndarray:
    """The mean over the model's folds of network ``name``'s probabilities ``(C, z, y, x)`` for a leg crop.

    The 2D networks of all folds see each batch of slices in turn, and their mean goes
    straight into the result (added to ``into`` when given), see
    :func:`thigh_inference.slice_prediction.predict_slices`. The 3D network predicts fold by fold.

    Args:
        model: The loaded model (its plans give the neighbour offsets, patch and batch sizes).
        name: An orientation, or ``volume``.
        image: The normalised leg crop ``(z, y, x)``.
        settings: Device and mixed precision.
        air_mask: True for air; lets 2D networks skip all-air slices.
        into: A volume to add the mean to, in place; None for a new volume.
        fold_labels: One uint8 volume per fold, filled in place with that fold's own argmax
            labels (for the quality scores); None: not computed.

    Returns:
        ``into``, or a new float32 volume of the mean probabilities.
    """
    networks = [networks_of_fold[name] for networks_of_fold in model.networks.values()]
    configuration = model.configuration
    if name == VOLUME_NETWORK:

        def fold_outputs() -> Iterator[np.ndarray]:  # one fold in memory at a time
            for index, network in enumerate(networks):
                fold = predict_leg_3d(
                    network,
                    image,
                    configuration.patch_size[VOLUME_NETWORK],
                    step_fraction=STEP_FRACTION,
                    device=settings.device,
                    amp=settings.amp,
                )
                if fold_labels is not None:
                    fold_labels[index][...] = winner_takes_all(fold)
                yield fold

        mean = average_folds(fold_outputs())
        if into is None:
            return mean
        into += mean
        return into
    batch_size = max(configuration.batch_size, MIN_SLICE_BATCH)
    return predict_slices(
        networks,
        image,
        name,
        model.plans.neighbour_offset_slices[name],
        configuration.patch_size[name],
        batch_size=-(-batch_size // SLICE_BATCH_MULTIPLE) * SLICE_BATCH_MULTIPLE,
        device=settings.device,
        amp=settings.amp,
        air_mask=air_mask,
        into=into,
        network_labels=fold_labels,
    )
