"""Deep supervision: a weighted sum of one loss over the outputs of every decoder stage.

Weights as nnU-Net: ``1, 1/2, 1/4, ...`` from the full resolution down, the
lowest resolution output weighted 0 (when there are several), normalised to
sum 1. The target is downsampled to each output's size by nearest neighbour.

Example:
    >>> from thigh_trainer.losses.soft_dice import SoftDiceLoss
    >>> DeepSupervisionLoss(SoftDiceLoss(3), 3).weights
    (0.6666666666666666, 0.3333333333333333, 0.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional


def deep_supervision_weights(num_outputs: int) -> tuple[float, ...]:
    """Return the normalised weights of ``num_outputs`` outputs, full resolution first."""
    if num_outputs < 1:
        raise ValueError(f"deep supervision needs at least 1 output, got {num_outputs}")
    weights = [1 / 2**index for index in range(num_outputs)]
    if num_outputs > 1:
        weights[-1] = 0.0
    total = sum(weights)
    return tuple(w / total for w in weights)


def resize_target(target: torch.Tensor, spatial_shape: Sequence[int]) -> torch.Tensor:
    """Return ``target (B, 1, *spatial)`` resized to ``spatial_shape`` by nearest neighbour, same dtype."""
    if tuple(target.shape[2:]) == tuple(spatial_shape):
        return target
    resized = functional.interpolate(target.float(), size=tuple(spatial_shape), mode="nearest")
    return resized.to(target.dtype)


class DeepSupervisionLoss(nn.Module):
    """Weighted sum of ``base_loss`` over deep-supervision outputs.

    Args:
        base_loss: Called as ``base_loss(logits, target)``.
        num_outputs: Outputs the network returns in training mode (its decoder stages).

    Raises:
        ValueError: If ``num_outputs`` < 1.
    """

    def __init__(self, base_loss: nn.Module, num_outputs: int):
        super().__init__()
        self.base_loss = base_loss
        self.weights = deep_supervision_weights(num_outputs)

    def forward(self, outputs: torch.Tensor | Sequence[torch.Tensor], target: torch.Tensor) -> torch.Tensor:
        """Return the loss of ``outputs`` (a tensor, or a list full resolution first) against ``target``.

        Args:
            outputs: ``(B, C, *spatial)`` logits, or the network's list of them.
            target: ``(B, 1, *spatial)`` integer labels at full resolution.

        Raises:
            ValueError: If the list does not have ``num_outputs`` entries.
        """
        if isinstance(outputs, torch.Tensor):
            return self.base_loss(outputs, target)
        if len(outputs) != len(self.weights):
            raise ValueError(
                f"expected {len(self.weights)} deep-supervision outputs, got {len(outputs)}; "
                "build the loss with the network's number of decoder stages"
            )
        total = None
        for weight, output in zip(self.weights, outputs, strict=True):
            if weight == 0:
                continue
            term = weight * self.base_loss(output, resize_target(target, output.shape[2:]))
            total = term if total is None else total + term
        return total
