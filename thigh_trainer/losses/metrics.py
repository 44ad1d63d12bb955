"""Hard Dice per foreground class on tensors, for quick validation during training.

Example:
    >>> import torch
    >>> target = torch.tensor([[[0, 1, 1, 2]]])
    >>> logits = torch.nn.functional.one_hot(torch.tensor([[0, 1, 2, 2]]), 4).permute(0, 2, 1).float()
    >>> dice_per_class_torch(logits, target, 4)
    tensor([0.6667, 0.6667,    nan])
"""

from __future__ import annotations

import torch

from thigh_trainer.losses.targets import checked_indices


@torch.no_grad()
def dice_per_class_torch(logits: torch.Tensor, target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Return the Dice of ``argmax(logits)`` per foreground class, over the whole batch.

    Args:
        logits: ``(B, C, *spatial)`` logits (or probabilities).
        target: ``(B, 1, *spatial)`` integer labels.
        num_classes: ``C``.

    Returns:
        ``(C - 1,)`` float32 on the logits' device, classes 1..C-1; NaN where a class is absent
        from both the prediction and the target.

    Raises:
        ValueError: If the logits do not have ``num_classes`` channels or the target does not match.
    """
    truth = checked_indices(logits, target, num_classes).flatten()
    prediction = logits.argmax(1).flatten()
    confusion = torch.bincount(truth * num_classes + prediction, minlength=num_classes**2)
    confusion = confusion.view(num_classes, num_classes).double()
    overlap = confusion.diagonal()
    total = confusion.sum(0) + confusion.sum(1)
    dice = torch.where(total > 0, 2 * overlap / total.clamp(min=1), torch.full_like(total, float("nan")))
    return dice[1:].float()
