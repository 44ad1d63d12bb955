"""Soft Dice plus cross-entropy with equal weights (nnU-Net's default loss).

Example:
    >>> import torch
    >>> logits, target = torch.zeros(1, 3, 4, 4), torch.zeros(1, 1, 4, 4, dtype=torch.long)
    >>> bool(DiceCELoss(3)(logits, target) > SoftDiceLoss(3)(logits, target))
    True
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional

from thigh_trainer.losses.soft_dice import SMOOTH, SoftDiceLoss
from thigh_trainer.losses.targets import checked_indices


class DiceCELoss(nn.Module):
    """``soft Dice loss (foreground classes) + cross-entropy``, both in float32 with autocast disabled.

    Args:
        num_classes: Classes of the logits, background included; at least 2.
        smooth: The Dice's ``eps``.
    """

    def __init__(self, num_classes: int, smooth: float = SMOOTH):
        super().__init__()
        self.dice = SoftDiceLoss(num_classes, smooth, include_background=False)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Return the scalar loss of ``logits (B, C, *spatial)`` against ``target (B, 1, *spatial)``."""
        indices = checked_indices(logits, target, self.dice.num_classes)
        dice = self.dice.from_indices(logits, indices)
        with torch.autocast(device_type=logits.device.type, enabled=False):
            return dice + functional.cross_entropy(logits.float(), indices)
