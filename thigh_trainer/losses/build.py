"""Build the loss a plans configuration names (``training.loss``).

Example:
    >>> build_loss("dice_ce", 11).__class__.__name__
    'DiceCELoss'
"""

from __future__ import annotations

from torch import nn

from thigh_planner.plans.schema import LOSSES
from thigh_trainer.losses.dice_ce import DiceCELoss
from thigh_trainer.losses.soft_dice import SoftDiceLoss


def build_loss(name: str, num_classes: int) -> nn.Module:
    """Return the loss ``name`` for ``num_classes`` classes (background included).

    Args:
        name: ``"dice"`` (soft batch Dice averaged over all classes, the paper's) or ``"dice_ce"``
            (that plus cross-entropy).
        num_classes: Classes of the network's logits.

    Returns:
        A module called as ``loss(logits (B, C, *spatial), target (B, 1, *spatial)) -> scalar``.

    Raises:
        ValueError: If ``name`` is unknown (the message lists the names) or ``num_classes`` < 2.
    """
    if name == "dice":
        return SoftDiceLoss(num_classes)
    if name == "dice_ce":
        return DiceCELoss(num_classes)
    raise ValueError(f"unknown loss {name!r}; expected one of {', '.join(LOSSES)}")
