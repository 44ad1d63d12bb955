"""Soft Dice loss averaged over the classes, the paper's loss ("batch Dice").

``loss = 1 - mean_{c} (2 * sum(p_c * g_c) + eps) / (sum(p_c) + sum(g_c) + eps)``

with ``p = softmax(logits)``, ``g`` the one-hot target, sums over the batch and
all spatial axes, and ``eps = 1e-5``. A class absent from both prediction and
target scores ``eps / eps = 1`` instead of ``0 / 0``.

The mean runs over every class, background included (``include_background=True``):
the paper's "average Dice over the multi-class segmentation", whose classes include
background. Without the background term a Dice-only loss has a sink: the gradient of
``Dice_c`` at a false-positive voxel is ``-2 I_c / (P_c + G_c)^2``, zero for a class
that is not yet found (``I_c = 0``), so the network can park the probability of air,
fat and bone in such a class for free. That is what made the paper preset's networks
paint vastus medialis and gracilis over the air in alternating columns (a tie between
two sink classes) while those two muscles never appeared. Dice + cross-entropy
(:class:`~thigh_trainer.losses.dice_ce.DiceCELoss`) keeps nnU-Net's foreground-only
Dice, since the cross-entropy rewards background everywhere.

Example:
    >>> import torch
    >>> target = torch.tensor([0, 1, 2, 2]).view(1, 1, 4)
    >>> logits = 20.0 * torch.nn.functional.one_hot(target[:, 0], 3).permute(0, 2, 1).float()
    >>> round(float(SoftDiceLoss(3)(logits, target)), 4)
    0.0
"""

from __future__ import annotations

import torch
from torch import nn

from thigh_trainer.losses.targets import checked_indices, one_hot

SMOOTH = 1e-5


def soft_dice_per_class(logits: torch.Tensor, indices: torch.Tensor, smooth: float = SMOOTH) -> torch.Tensor:
    """Return the soft Dice of every class ``(C,)`` (float32), sums over batch and space.

    Args:
        logits: ``(B, C, *spatial)``.
        indices: ``(B, *spatial)`` int64 class indices.
        smooth: Added to numerator and denominator.
    """
    probabilities = torch.softmax(logits.float(), dim=1)
    truth = one_hot(indices, logits.shape[1])
    axes = [0, *range(2, logits.ndim)]
    intersection = (probabilities * truth).sum(axes)
    total = probabilities.sum(axes) + truth.sum(axes)
    return (2 * intersection + smooth) / (total + smooth)


class SoftDiceLoss(nn.Module):
    """``1 - `` mean soft Dice of the foreground classes (see the module docstring).

    Computed in float32 with autocast disabled, so it is safe inside ``torch.autocast``.

    Args:
        num_classes: Classes of the logits, background (class 0) included; at least 2.
        smooth: The ``eps`` of the formula.
        include_background: Average over class 0 too (the paper's loss, and the only safe
            choice for a Dice-only loss); False averages over the foreground classes.

    Raises:
        ValueError: If ``num_classes`` < 2.
    """

    def __init__(self, num_classes: int, smooth: float = SMOOTH, include_background: bool = True):
        super().__init__()
        if num_classes < 2:
            raise ValueError(
                f"the Dice loss needs background and at least 1 foreground class, got {num_classes}"
            )
        self.num_classes = num_classes
        self.smooth = smooth
        self.first_class = 0 if include_background else 1

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Return the scalar loss of ``logits (B, C, *spatial)`` against ``target (B, 1, *spatial)``."""
        return self.from_indices(logits, checked_indices(logits, target, self.num_classes))

    def from_indices(self, logits: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
        """Return the loss against already checked ``(B, *spatial)`` int64 class indices."""
        with torch.autocast(device_type=logits.device.type, enabled=False):
            return 1 - soft_dice_per_class(logits, indices, self.smooth)[self.first_class :].mean()
