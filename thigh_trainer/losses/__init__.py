"""Training losses (soft Dice, Dice + cross-entropy, deep supervision) and a quick Dice metric.

Example:
    >>> import torch
    >>> loss = DeepSupervisionLoss(build_loss("dice", 3), num_outputs=2)
    >>> outputs = [torch.zeros(2, 3, 8, 8), torch.zeros(2, 3, 4, 4)]
    >>> float(loss(outputs, torch.zeros(2, 1, 8, 8, dtype=torch.long))) > 0
    True
"""

from thigh_trainer.losses.build import build_loss
from thigh_trainer.losses.deep_supervision import DeepSupervisionLoss, deep_supervision_weights
from thigh_trainer.losses.dice_ce import DiceCELoss
from thigh_trainer.losses.metrics import dice_per_class_torch
from thigh_trainer.losses.soft_dice import SoftDiceLoss

__all__ = [
    "DeepSupervisionLoss",
    "DiceCELoss",
    "SoftDiceLoss",
    "build_loss",
    "deep_supervision_weights",
    "dice_per_class_torch",
]
