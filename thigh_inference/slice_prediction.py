"""Slice-wise prediction of a whole leg volume with a 2D network (one orientation of the 2.5D U-Net).

Every slice of the chosen orientation is fed to the network as three channels, the
slice and its neighbours ``offset`` slices either side (indices clamped to the
volume), padded up to the network's patch size with the image minimum
(background). The softmax probabilities are cropped back and stacked into a
``(C, z, y, x)`` volume, whatever the orientation.

Orientations on a ``(z, y, x)`` array: ``axial`` fixes z (slice ``(y, x)``),
``coronal`` fixes y (slice ``(z, x)``), ``sagittal`` fixes x (slice ``(z, y)``).

Example:
    >>> probabilities = predict_leg_2d(network, image, "coronal", offset=2, patch_size=(192, 128))
    >>> probabilities.shape  # (C, z, y, x)
    (11, 180, 128, 128)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from thigh_inference.quality import LATTICE_STEP
from thigh_inference.voting import class_argmax
from thigh_networks.precision import prediction_autocast
from thigh_planner.plans.geometry import NORMAL_AXIS_ZYX, ORIENTATIONS

logger = logging.getLogger(__name__)


def network_probabilities(network: nn.Module, batch: torch.Tensor) -> torch.Tensor:
    """Run ``network`` on ``batch`` and return float32 softmax probabilities over the channel axis.

    A network left in deep-supervision mode may return a list or tuple of outputs;
    the first (full resolution) is used. 2D batches go in channels-last memory layout,
    which made the paper's network 1.6x faster with bf16 on the CPU (87 against 55
    slices/s at 128 x 128, batch 32) when its weights are channels-last too
    (:func:`thigh_inference.trained_model.load_network` does that).

    Args:
        network: A segmentation network returning logits ``(B, C, *spatial)``.
        batch: Input ``(B, in_channels, *spatial)``.

    Returns:
        Probabilities ``(B, C, *spatial)``, float32, on the batch's device.

    Raises:
        ValueError: If the output's batch size or spatial shape differs from the input's.
    """
    probabilities = getattr(network, "probabilities", None)
    if callable(probabilities):  # an OpenVINO network: softmax straight from its output buffer
        return probabilities(batch)
    if batch.ndim == 4:
        batch = batch.contiguous(memory_format=torch.channels_last)
    output = network(batch)
    if isinstance(output, (list, tuple)):
        output = output[0]
    if output.ndim != batch.ndim or output.shape[0] != batch.shape[0] or output.shape[2:] != batch.shape[2:]:
        raise ValueError(
            f"The network returned shape {tuple(output.shape)} for input {tuple(batch.shape)}; "
            "expected (B, C, *spatial) with the input's batch size and spatial shape."
        )
    return torch.softmax(output.float(), dim=1)


def centred_padding(shape: Sequence[int], target: Sequence[int]) -> list[tuple[int, int]]:
    """Padding (before, after) per axis that centres ``shape`` in ``target`` (the odd voxel after).

    Raises:
        ValueError: If ``shape`` is larger than ``target`` along some axis.
    """
    if any(s > t for s, t in zip(shape, target, strict=True)):
        raise ValueError(
            f"The patch size {tuple(target)} is smaller than the volume's {tuple(shape)} along some axis; "
            "the network input must hold a whole slice (the plans pad patch sizes up to the slice)."
        )
    return [((t - s) // 2, (t - s) - (t - s) // 2) for s, t in zip(shape, target, strict=True)]


def check_image(image: np.ndarray) -> None:
    """Reject an image that is not a non-empty ``(z, y, x)`` array."""
    if image.ndim != 3 or image.size == 0:
        raise ValueError(f"Expected a non-empty (z, y, x) image, found an array of shape {image.shape}.")


def predict_leg_2d(
    network: nn.Module,
    image: np.ndarray,
    orientation: str,
    offset: int,
    patch_size: Sequence[int],
    batch_size: int = 16,
    device: torch.device = torch.device("cpu"),  # noqa: B008 - immutable default
    amp: bool = False,
    out_dtype: np.dtype | type = np.float32,
    air_mask: np.ndarray | None = None,
) -> np.ndarray:
    """Predict softmax probabilities of a leg volume slice by slice in one orientation.

    One network; :func:`predict_slices` is the same for the mean of several (the folds).

    Args:
        network: 2D network taking ``(B, 3, H, W)`` and returning logits ``(B, C, H, W)``
            (or a list/tuple whose first element is that, in deep-supervision mode).
        image: Normalised leg ``(z, y, x)``, float32.
        orientation: ``axial``, ``coronal`` or ``sagittal``.
        offset: Neighbour offset in slices (``plans.neighbour_offset_slices[orientation]``), >= 0.
        patch_size: Network input ``(H, W)``, at least the slice shape of the orientation.
        batch_size: Slices per forward pass, >= 1.
        device: Device to run the network on (the network must already be there).
        amp: Mixed precision (float16 on CUDA, bfloat16 on CPU).
        out_dtype: Storage type of the result: float32 (default) or float16 to halve memory.
        air_mask: Boolean ``(z, y, x)``, True where the leg crop is air; see :func:`predict_slices`.

    Returns:
        Probabilities ``(C, z, y, x)`` of ``out_dtype``; they sum to 1 over C.

    Raises:
        ValueError: On an unknown orientation, a negative offset, a batch size below 1,
            an image that is not 3D, or a patch smaller than the slice.
    """
    return predict_slices(
        [network],
        image,
        orientation,
        offset,
        patch_size,
        batch_size=batch_size,
        device=device,
        amp=amp,
        air_mask=air_mask,
        out_dtype=out_dtype,
    )


def predict_slices(
    networks: Sequence[nn.Module],
    image: np.ndarray,
    orientation: str,
    offset: int,
    patch_size: Sequence[int],
    batch_size: int = 16,
    device: torch.device = torch.device("cpu"),  # noqa: B008 - immutable default
    amp: bool = False,
    air_mask: np.ndarray | None = None,
    into: np.ndarray | None = None,
    weight: float = 1.0,
    out_dtype: np.dtype | type = np.float32,
    network_labels: list[np.ndarray] | None = None,
    mean_labels: np.ndarray | None = None,
) -> np.ndarray:
    """The mean softmax probabilities of several 2D networks (the folds), slice by slice in one orientation.

    Each batch of slices is gathered once and fed to every network; their mean is written
    (or, with ``into``, added times ``weight``) straight into the ``(C, z, y, x)`` result,
    so the folds and orientations of a leg share one volume instead of one each. The
    networks are put in eval mode for the call (their previous modes are restored after)
    and run under ``torch.inference_mode()``.

    Args:
        networks: 2D networks of one output shape (see :func:`predict_leg_2d`), at least one.
        image: Normalised leg ``(z, y, x)``, float32.
        orientation: ``axial``, ``coronal`` or ``sagittal``.
        offset: Neighbour offset in slices, >= 0.
        patch_size: Network input ``(H, W)``, at least the slice shape of the orientation.
        batch_size: Slices per forward pass, >= 1.
        device: Device to run the networks on (they must already be there).
        amp: Mixed precision (float16 on CUDA, bfloat16 on CPU).
        air_mask: Boolean ``(z, y, x)``, True where the leg crop is air. Slices whose three
            input slices are all air are not fed to the networks: they get background with
            probability 1 (about a tenth of the coronal and sagittal slices of a leg). Pass it
            only when air is cleared from the labels afterwards, as the postprocessing does;
            then the labels are the same as without it.
        into: A ``(C, z, y, x)`` volume to add ``weight`` times the mean probabilities to, in place
            (e.g. the sum over orientations of a leg); None for a new volume.
        weight: The factor of the mean probabilities added to ``into``.
        out_dtype: Storage type of a new volume (float32 or float16).
        network_labels: One uint8 quality lattice per network (every second voxel of the image,
            :func:`thigh_inference.quality.lattice_shape`), filled in place with that network's own
            argmax labels (background on skipped slices); for how far the folds agree. None: not computed.
        mean_labels: A uint8 quality lattice filled in place with the argmax of the folds' mean
            (this orientation's own labels, for the quality scores); None: not computed.

    Returns:
        ``into``, or a new volume of ``out_dtype`` holding the mean probabilities (they sum to 1 over C).

    Raises:
        ValueError: On no networks, an unknown orientation, a negative offset, a batch size
            below 1, an image that is not 3D, a patch smaller than the slice, or an ``into``
            of another shape than ``(C, *image.shape)``.
    """
    _check_arguments(networks, image, orientation, offset, patch_size, batch_size)
    axis = NORMAL_AXIS_ZYX[orientation]
    slices = np.moveaxis(image, axis, 0)  # (n, a, b), a view
    num_slices, height, width = slices.shape
    padding = centred_padding((height, width), patch_size)
    crop = (
        slice(None),
        slice(None),
        slice(padding[0][0], padding[0][0] + height),
        slice(padding[1][0], padding[1][0] + width),
    )
    background = float(image.min())
    wanted = np.arange(num_slices) if air_mask is None else slices_with_tissue(air_mask, axis, offset)
    if wanted.size == 0:
        wanted = np.arange(1)  # an all-air leg: still one pass, to learn the number of classes
    scale = weight / len(networks)
    output = into
    modes = [network.training for network in networks]
    for network in networks:
        network.eval()
    try:
        with torch.inference_mode():
            for start in range(0, wanted.size, batch_size):
                indices = wanted[start : start + batch_size]
                batch = _neighbour_batch(slices, indices, offset, padding, background)
                inputs = torch.from_numpy(batch).to(device, non_blocking=True)
                total = _summed_probabilities(
                    networks, inputs, device, amp, network_labels, crop, axis, indices
                )
                total = total[crop].cpu()
                if mean_labels is not None:  # this orientation's own labels, for the quality scores
                    _add_lattice_labels(mean_labels, axis, indices, total.numpy())
                if output is None:
                    output = np.zeros((total.shape[1], *image.shape), dtype=out_dtype)
                    logger.debug("Predicting %d of %d %s slices", wanted.size, num_slices, orientation)
                elif output.shape != (total.shape[1], *image.shape):
                    raise ValueError(
                        f"Cannot add probabilities of {total.shape[1]} classes for an image of shape "
                        f"{image.shape} into a volume of shape {output.shape}."
                    )
                _add_slices(output, axis, indices, total, scale)
    finally:
        for network, mode in zip(networks, modes, strict=True):
            network.train(mode)
    assert output is not None  # at least one slice: the image is non-empty
    _add_background(output, axis, np.setdiff1d(np.arange(num_slices), wanted), weight)
    return output


def _check_arguments(
    networks: Sequence[nn.Module],
    image: np.ndarray,
    orientation: str,
    offset: int,
    patch_size: Sequence[int],
    batch_size: int,
) -> None:
    if not networks:
        raise ValueError("No networks to predict with: expected at least one (one per fold).")
    if orientation not in NORMAL_AXIS_ZYX:
        raise ValueError(f"Unknown orientation {orientation!r}; expected one of {', '.join(ORIENTATIONS)}.")
    if offset < 0:
        raise ValueError(f"The neighbour offset must be >= 0 slices, found {offset}.")
    if batch_size < 1:
        raise ValueError(f"The batch size must be >= 1, found {batch_size}.")
    check_image(image)
    if len(patch_size) != 2:
        raise ValueError(f"A 2D patch size (H, W) is needed, found {tuple(patch_size)}.")


def _summed_probabilities(
    networks: Sequence[nn.Module],
    inputs: torch.Tensor,
    device: torch.device,
    amp: bool,
    network_labels: list[np.ndarray] | None = None,
    crop: tuple[slice, ...] = (),
    axis: int = 0,
    indices: np.ndarray | None = None,
) -> torch.Tensor:
    """The sum over ``networks`` of their float32 softmax probabilities for one batch.

    Each softmax is a new tensor, so the first one holds the sum without a copy. With
    ``network_labels``, each network's argmax over the cropped batch is written into its
    volume at slices ``indices`` along ``axis``.
    """
    total: torch.Tensor | None = None
    for number, network in enumerate(networks):
        with prediction_autocast(device, amp):
            probabilities = network_probabilities(network, inputs)
        if network_labels is not None:
            _add_lattice_labels(
                network_labels[number], axis, indices, probabilities[crop].float().cpu().numpy()
            )
        if total is None:
            total = probabilities
        else:
            total += probabilities
    assert total is not None
    return total


def _add_lattice_labels(lattice: np.ndarray, axis: int, indices: np.ndarray, batch: np.ndarray) -> None:
    """Write the argmax labels of a batch ``(B, C, a, b)`` of slices ``indices`` into a quality lattice.

    The lattice holds every second voxel per axis (:func:`thigh_inference.quality.lattice_shape`):
    only the batch's slices of even index, at their even rows and columns.
    """
    keep = indices % LATTICE_STEP == 0
    if keep.any():
        values = np.moveaxis(batch[keep][:, :, ::LATTICE_STEP, ::LATTICE_STEP], 1, 0)  # (C, B', a', b')
        np.moveaxis(lattice, axis, 0)[indices[keep] // LATTICE_STEP] = class_argmax(values)


def _add_slices(
    output: np.ndarray, axis: int, indices: np.ndarray, batch: torch.Tensor, scale: float
) -> None:
    """Add ``scale * batch`` ``(B, C, a, b)`` to slices ``indices`` along ``axis`` of ``output`` ``(C, z, y, x)``.

    Runs of consecutive indices (usually the whole batch) are added through a strided view
    of the output, in place and on every thread; there is no gather and scatter.
    """
    if batch.dtype != torch.float32 or scale != 1.0:
        batch = batch.float() * scale
    target = torch.from_numpy(output).movedim(axis + 1, 1)  # (C, n, a, b), a view
    values = batch.movedim(0, 1)  # (C, B, a, b)
    breaks = np.flatnonzero(np.diff(indices) != 1) + 1
    for positions in np.split(np.arange(indices.size), breaks):
        first = int(indices[positions[0]])
        part = values[:, positions[0] : positions[-1] + 1]
        target[:, first : first + positions.size].add_(part.to(target.dtype))


def _add_background(output: np.ndarray, axis: int, skipped: np.ndarray, weight: float) -> None:
    """Add probability ``weight`` of background (class 0) to the slices the networks skipped."""
    if skipped.size:
        np.moveaxis(output[0], axis, 0)[skipped] += np.asarray(weight, dtype=output.dtype)


def slices_with_tissue(air_mask: np.ndarray, axis: int, offset: int) -> np.ndarray:
    """Indices of the slices along ``axis`` whose input (the slice and its neighbours) is not all air.

    Args:
        air_mask: Boolean ``(z, y, x)``, True for air.
        axis: The axis the slices are taken along (0, 1 or 2).
        offset: Neighbour offset in slices.

    Returns:
        Sorted slice indices.
    """
    others = tuple(a for a in range(3) if a != axis)
    tissue = ~np.all(air_mask, axis=others)
    count = tissue.size
    last = count - 1
    positions = np.arange(count)
    needed = (
        tissue | tissue[np.clip(positions - offset, 0, last)] | tissue[np.clip(positions + offset, 0, last)]
    )
    return np.flatnonzero(needed)


def network_inputs(
    image: np.ndarray, orientation: str, indices: np.ndarray, offset: int, patch_size: Sequence[int]
) -> np.ndarray:
    """The network inputs ``(B, 3, H, W)`` float32 of slices ``indices`` of ``image``, as prediction builds them.

    Each is the slice and its neighbours ``offset`` slices either side (clamped), centred
    in ``patch_size`` and padded with the image minimum. The calibration slices for 8-bit
    networks (:mod:`thigh_inference.calibration`) are made with it, so they match.
    """
    slices = np.moveaxis(image, NORMAL_AXIS_ZYX[orientation], 0)
    padding = centred_padding(slices.shape[1:], patch_size)
    return _neighbour_batch(slices, np.asarray(indices), offset, padding, float(image.min()))


def _neighbour_batch(
    slices: np.ndarray,
    indices: np.ndarray,
    offset: int,
    padding: list[tuple[int, int]],
    background: float,
) -> np.ndarray:
    """Stack slices ``i - offset, i, i + offset`` (clamped) as channels, padded: ``(B, 3, H, W)``."""
    last = slices.shape[0] - 1
    channels = np.stack(
        [np.clip(indices - offset, 0, last), indices, np.clip(indices + offset, 0, last)], axis=1
    )  # (B, 3)
    batch = slices[channels]  # (B, 3, a, b)
    batch = np.pad(batch, [(0, 0), (0, 0), *padding], mode="constant", constant_values=background)
    return np.ascontiguousarray(batch, dtype=np.float32)
