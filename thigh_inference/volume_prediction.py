"""Sliding-window prediction of a whole leg volume with a 3D network (nnU-Net style).

Patches overlap by ``1 - step_fraction`` of their size; each patch's softmax
probabilities are weighted by a Gaussian importance map (centre voxels count more
than edge voxels, whose receptive field is cut off) and the weighted sum is divided
by the summed weights. A volume smaller than the patch is padded with the image
minimum (background) and the prediction cropped back.

Example:
    >>> probabilities = predict_leg_3d(network, image, patch_size=(96, 96, 96))
    >>> probabilities.shape  # (C, z, y, x)
    (11, 180, 128, 128)
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from thigh_inference.slice_prediction import centred_padding, check_image, network_probabilities
from thigh_networks.precision import prediction_autocast

logger = logging.getLogger(__name__)


def sliding_window_starts(size: int, patch: int, step_fraction: float) -> list[int]:
    """Start indices of patches of length ``patch`` covering ``size`` voxels (first at 0, last at the end).

    The number of steps is the smallest that keeps each step at most
    ``step_fraction * patch``; the steps are then spread evenly (nnU-Net's rule).

    Example:
        >>> sliding_window_starts(10, 4, 0.5)
        [0, 2, 4, 6]
    """
    if size <= patch:
        return [0]
    num_steps = math.ceil((size - patch) / (patch * step_fraction)) + 1
    step = (size - patch) / (num_steps - 1)
    return [round(step * i) for i in range(num_steps)]


def gaussian_importance_map(patch_size: Sequence[int], sigma_scale: float = 1.0 / 8) -> np.ndarray:
    """Gaussian weights over a patch, peak 1 at the centre, sigma ``sigma_scale * patch`` per axis.

    No weight is zero (the smallest is clamped to the smallest non-zero one), so
    every voxel covered by some patch gets a defined prediction.

    Returns:
        float32 array of shape ``patch_size``.
    """
    profiles = []
    for length in patch_size:
        sigma = max(length * sigma_scale, 1e-3)
        coordinates = np.arange(length, dtype=np.float64) - (length // 2)
        profiles.append(np.exp(-0.5 * (coordinates / sigma) ** 2))
    weights = profiles[0]
    for profile in profiles[1:]:
        weights = np.multiply.outer(weights, profile)
    weights = weights / weights.max()
    smallest = weights[weights > 0].min()
    return np.maximum(weights, smallest).astype(np.float32)


def predict_leg_3d(
    network: nn.Module,
    image: np.ndarray,
    patch_size: Sequence[int],
    step_fraction: float = 0.5,
    batch_size: int = 1,
    device: torch.device = torch.device("cpu"),  # noqa: B008 - immutable default
    amp: bool = False,
    gaussian: bool = True,
    out_dtype: np.dtype | type = np.float32,
) -> np.ndarray:
    """Predict softmax probabilities of a leg volume by overlapping 3D patches.

    The network is put in eval mode for the call (its previous mode is restored after)
    and runs under ``torch.inference_mode()``. The running sums live on ``device``;
    on CUDA they fall back to host memory when the device is out of memory.

    Args:
        network: 3D network taking ``(B, 1, D, H, W)`` and returning logits ``(B, C, D, H, W)``
            (or a list/tuple whose first element is that).
        image: Normalised leg ``(z, y, x)``, float32.
        patch_size: Network input ``(D, H, W)``.
        step_fraction: Step between patches as a fraction of the patch size, in (0, 1].
        batch_size: Patches per forward pass, >= 1.
        device: Device to run the network on (the network must already be there).
        amp: Mixed precision (float16 on CUDA, bfloat16 on CPU).
        gaussian: Weight patches by a Gaussian importance map (else uniformly).
        out_dtype: Storage type of the result: float32 (default) or float16.

    Returns:
        Probabilities ``(C, z, y, x)`` of ``out_dtype``.

    Raises:
        ValueError: On a patch size that is not three positive lengths, a step fraction
            outside (0, 1], a batch size below 1 or an image that is not 3D.
    """
    if len(patch_size) != 3 or any(int(p) < 1 for p in patch_size):
        raise ValueError(
            f"A 3D patch size (D, H, W) of positive lengths is needed, found {tuple(patch_size)}."
        )
    if not 0 < step_fraction <= 1:
        raise ValueError(f"The step fraction must be in (0, 1], found {step_fraction}.")
    if batch_size < 1:
        raise ValueError(f"The batch size must be >= 1, found {batch_size}.")
    check_image(image)

    patch = tuple(int(p) for p in patch_size)
    padded_shape = tuple(max(s, p) for s, p in zip(image.shape, patch, strict=True))
    padding = centred_padding(image.shape, padded_shape)
    padded = np.pad(image, padding, mode="constant", constant_values=float(image.min()))
    crop = tuple(slice(before, before + size) for (before, _), size in zip(padding, image.shape, strict=True))

    starts = list(
        itertools.product(
            *(sliding_window_starts(s, p, step_fraction) for s, p in zip(padded_shape, patch, strict=True))
        )
    )
    logger.debug("Sliding window: %d patches of %s over %s", len(starts), patch, padded_shape)
    weights = torch.from_numpy(gaussian_importance_map(patch) if gaussian else np.ones(patch, np.float32))

    was_training = network.training
    network.eval()
    try:
        with torch.inference_mode():
            volume = torch.from_numpy(np.ascontiguousarray(padded, dtype=np.float32)).to(device)
            accumulator: _Accumulator | None = None
            for first in range(0, len(starts), batch_size):
                boxes = [_box(start, patch) for start in starts[first : first + batch_size]]
                inputs = torch.stack([volume[box] for box in boxes])[:, None]
                with prediction_autocast(device, amp):
                    probabilities = network_probabilities(network, inputs)
                if accumulator is None:
                    accumulator = _Accumulator(probabilities.shape[1], padded_shape, weights, device)
                for box, patch_probabilities in zip(boxes, probabilities, strict=True):
                    accumulator.add(box, patch_probabilities)
            assert accumulator is not None  # at least one patch
            result = accumulator.result()[(slice(None), *crop)]
            return result.cpu().numpy().astype(out_dtype, copy=False)
    finally:
        network.train(was_training)


def _box(start: Sequence[int], patch: Sequence[int]) -> tuple[slice, ...]:
    return tuple(slice(s, s + p) for s, p in zip(start, patch, strict=True))


class _Accumulator:
    """Weighted sums of patch probabilities and of the weights, on the device or else on the host."""

    def __init__(self, num_classes: int, shape: Sequence[int], weights: torch.Tensor, device: torch.device):
        try:
            self._allocate(num_classes, shape, weights, device)
        except torch.cuda.OutOfMemoryError:
            logger.warning("Out of device memory for the sliding-window sums; accumulating on the host.")
            torch.cuda.empty_cache()
            self._allocate(num_classes, shape, weights, torch.device("cpu"))

    def _allocate(
        self, num_classes: int, shape: Sequence[int], weights: torch.Tensor, device: torch.device
    ) -> None:
        self.device = device
        self.sums = torch.zeros((num_classes, *shape), dtype=torch.float32, device=device)
        self.weight_sums = torch.zeros(tuple(shape), dtype=torch.float32, device=device)
        self.weights = weights.to(device)

    def add(self, box: tuple[slice, ...], probabilities: torch.Tensor) -> None:
        """Add one patch's probabilities ``(C, D, H, W)`` at ``box``."""
        self.sums[(slice(None), *box)] += probabilities.to(self.device) * self.weights
        self.weight_sums[box] += self.weights

    def result(self) -> torch.Tensor:
        """The weighted mean ``(C, *shape)``, computed in place (call once)."""
        return self.sums.div_(self.weight_sums)
