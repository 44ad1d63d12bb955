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

import contextlib
import logging
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from thigh_planner.plans.geometry import ORIENTATIONS

logger = logging.getLogger(__name__)

NORMAL_AXIS_ZYX: dict[str, int] = {"axial": 0, "coronal": 1, "sagittal": 2}
"""The axis of a ``(z, y, x)`` volume that an orientation's slices are taken along."""


def autocast_context(device: torch.device, enabled: bool) -> contextlib.AbstractContextManager:
    """Mixed precision for inference: float16 on CUDA, bfloat16 elsewhere (CPU), or nothing.

    Args:
        device: The device the network runs on.
        enabled: Whether to use mixed precision at all.

    Returns:
        A context manager to wrap the forward pass in.
    """
    if not enabled:
        return contextlib.nullcontext()
    dtype = torch.float16 if device.type == "cuda" else torch.bfloat16
    return torch.autocast(device.type, dtype=dtype)


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

    The network is put in eval mode for the call (its previous mode is restored after)
    and runs under ``torch.inference_mode()``.

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
        air_mask: Boolean ``(z, y, x)``, True where the leg crop is air. Slices whose three
            input slices are all air are not fed to the network: they get background with
            probability 1 (about a tenth of the coronal and sagittal slices of a leg). Pass it
            only when air is cleared from the labels afterwards, as the postprocessing does;
            then the labels are the same as without it.

    Returns:
        Probabilities ``(C, z, y, x)`` of ``out_dtype``; they sum to 1 over C.

    Raises:
        ValueError: On an unknown orientation, a negative offset, a batch size below 1,
            an image that is not 3D, or a patch smaller than the slice.
    """
    if orientation not in NORMAL_AXIS_ZYX:
        raise ValueError(f"Unknown orientation {orientation!r}; expected one of {', '.join(ORIENTATIONS)}.")
    if offset < 0:
        raise ValueError(f"The neighbour offset must be >= 0 slices, found {offset}.")
    if batch_size < 1:
        raise ValueError(f"The batch size must be >= 1, found {batch_size}.")
    check_image(image)
    if len(patch_size) != 2:
        raise ValueError(f"A 2D patch size (H, W) is needed, found {tuple(patch_size)}.")

    axis = NORMAL_AXIS_ZYX[orientation]
    slices = np.moveaxis(image, axis, 0)  # (n, a, b), a view
    num_slices, height, width = slices.shape
    padding = centred_padding((height, width), patch_size)
    crop = (
        slice(padding[0][0], padding[0][0] + height),
        slice(padding[1][0], padding[1][0] + width),
    )
    background = float(image.min())

    wanted = np.arange(num_slices) if air_mask is None else slices_with_tissue(air_mask, axis, offset)
    if wanted.size == 0:
        wanted = np.arange(1)  # an all-air leg: still one pass, to learn the number of classes
    was_training = network.training
    network.eval()
    output: np.ndarray | None = None
    try:
        with torch.inference_mode():
            for start in range(0, wanted.size, batch_size):
                indices = wanted[start : start + batch_size]
                batch = _neighbour_batch(slices, indices, offset, padding, background)
                inputs = torch.from_numpy(batch).to(device, non_blocking=True)
                with autocast_context(device, amp):
                    probabilities = network_probabilities(network, inputs)
                probabilities = probabilities[:, :, crop[0], crop[1]].cpu().numpy()
                if output is None:
                    output = _background_volume(probabilities.shape[1], image.shape, out_dtype)
                    logger.debug("Predicting %d of %d %s slices", wanted.size, num_slices, orientation)
                # Write through a view of the output with the slice axis first.
                np.moveaxis(output, axis + 1, 1)[:, indices] = probabilities.transpose(1, 0, 2, 3)
    finally:
        network.train(was_training)
    assert output is not None  # at least one slice: the image is non-empty
    return output


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


def _background_volume(num_classes: int, shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
    """Probabilities ``(C, *shape)`` that say background everywhere (filled in by the predicted slices)."""
    volume = np.zeros((num_classes, *shape), dtype=dtype)
    volume[0] = 1
    return volume


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
