"""Checks of a (logits, target) pair and the one-hot encoding every loss shares.

Example:
    >>> import torch
    >>> class_indices(torch.zeros(2, 3, 4, 4), torch.ones(2, 1, 4, 4, dtype=torch.uint8)).shape
    torch.Size([2, 4, 4])
"""

from __future__ import annotations

import torch


def class_indices(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Return ``target`` as ``(B, *spatial)`` int64 class indices after checking it against ``logits``.

    Args:
        logits: ``(B, C, *spatial)`` floating point.
        target: ``(B, 1, *spatial)`` (or ``(B, *spatial)``) integer labels in ``0..C-1``.

    Raises:
        ValueError: If the shapes do not match, ``target`` is not integer, or a label is out of range.
    """
    if not logits.is_floating_point() or logits.ndim < 3:
        raise ValueError(
            f"logits must be floating point (B, C, *spatial), got {logits.dtype} of shape {tuple(logits.shape)}"
        )
    if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
        raise ValueError(f"target must hold integer class labels, got {target.dtype}; cast it with .long()")
    expected = (logits.shape[0], 1, *logits.shape[2:])
    if target.ndim == logits.ndim - 1:
        target = target.unsqueeze(1)
    if tuple(target.shape) != expected:
        raise ValueError(
            f"target shape {tuple(target.shape)} does not match the logits {tuple(logits.shape)}; "
            f"expected {expected}"
        )
    num_classes = logits.shape[1]
    if target.numel():
        low, high = (int(v) for v in torch.aminmax(target))
        if low < 0 or high >= num_classes:
            raise ValueError(
                f"target labels range {low}..{high}, outside 0..{num_classes - 1} of the {num_classes} "
                "classes of the logits"
            )
    return target[:, 0].long()


def checked_indices(logits: torch.Tensor, target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Return :func:`class_indices` after checking that ``logits`` has ``num_classes`` channels."""
    if logits.ndim < 3 or logits.shape[1] != num_classes:
        raise ValueError(
            f"logits of shape {tuple(logits.shape)} do not have the expected {num_classes} classes in dimension 1"
        )
    return class_indices(logits, target)


def one_hot(indices: torch.Tensor, num_classes: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Return ``(B, num_classes, *spatial)`` one-hot encoding of ``(B, *spatial)`` class indices."""
    encoded = torch.zeros(
        (indices.shape[0], num_classes, *indices.shape[1:]), dtype=dtype, device=indices.device
    )
    return encoded.scatter_(1, indices.unsqueeze(1), 1)
