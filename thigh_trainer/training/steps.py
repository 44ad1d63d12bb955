"""One training step and the scoring of validation batches.

Example:
    >>> import torch
    >>> from thigh_networks.precision import Precision
    >>> network = torch.nn.Conv2d(3, 4, 1)
    >>> batch = {"data": torch.randn(2, 3, 8, 8), "seg": torch.zeros(2, 1, 8, 8)}
    >>> scores = score_batches(network, [batch], lambda out, t: out.mean(), 4,
    ...                        torch.device("cpu"), Precision("fp32", "cpu"))
    >>> scores.shape  # loss sum, batch count, Dice sums per class, Dice counts per class
    torch.Size([8])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from thigh_common.errors import ThighSegError
from thigh_networks.precision import Precision
from thigh_trainer.losses import dice_per_class_torch

GRADIENT_CLIP_NORM = 12.0
"""Gradient norm clipping of nnU-Net."""
LossFunction = Callable[[Any, torch.Tensor], torch.Tensor]


def batch_tensors(batch: dict[str, Any], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The batch's ``data`` (float32) and ``seg`` (int64 labels) on ``device``."""
    data = torch.as_tensor(batch["data"]).to(device, dtype=torch.float32, non_blocking=True)
    seg = torch.as_tensor(batch["seg"])
    if seg.is_floating_point():
        seg = seg.round()
    return data, seg.to(device, dtype=torch.long, non_blocking=True)


def out_of_memory(batch_size: int, name: str) -> ThighSegError:
    """The error for a GPU that ran out of memory while training ``name``."""
    smaller = max(1, batch_size // 2)
    return ThighSegError(
        f"the GPU ran out of memory training the {name} network with batch size {batch_size}; "
        f"use a smaller --batch-size (e.g. --batch-size {smaller}) or a GPU with more memory"
    )


def train_step(
    network: torch.nn.Module,
    batch: dict[str, Any],
    loss_function: LossFunction,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    scaler: torch.amp.GradScaler,
    precision: Precision,
    device: torch.device,
) -> float:
    """Run forward, loss, backward (scaled for fp16), clipping and one optimiser step.

    Returns:
        The loss value (before the step).
    """
    data, target = batch_tensors(batch, device)
    optimizer.zero_grad(set_to_none=True)
    with precision.autocast():
        outputs = network(data)
        loss = loss_function(outputs, target)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(network.parameters(), GRADIENT_CLIP_NORM)
    scaler.step(optimizer)
    scaler.update()
    scheduler.step()
    return float(loss.detach())


@torch.no_grad()
def score_batches(
    network: torch.nn.Module,
    batches: Sequence[dict[str, Any]],
    loss_function: LossFunction,
    num_classes: int,
    device: torch.device,
    precision: Precision,
) -> torch.Tensor:
    """Sum the loss and the hard Dice per class over validation ``batches`` (network in eval mode).

    Returns:
        float64 ``(2 + 2 * (num_classes - 1),)``: loss sum, batch count, per class the sum of
        Dice values and the number of batches where the class had one; sums, so they can be
        added over DDP ranks before :func:`scores_to_metrics`.
    """
    was_training = network.training
    network.eval()
    totals = torch.zeros(2 + 2 * (num_classes - 1), dtype=torch.float64)
    try:
        for batch in batches:
            data, target = batch_tensors(batch, device)
            with precision.autocast():
                logits = network(data)
                if isinstance(logits, (list, tuple)):
                    logits = logits[0]
                loss = loss_function(logits, target)
            dice = dice_per_class_torch(logits.float(), target, num_classes).double().cpu()
            present = ~torch.isnan(dice)
            totals[0] += float(loss)
            totals[1] += 1
            totals[2 : 1 + num_classes] += torch.where(present, dice, torch.zeros_like(dice))
            totals[1 + num_classes :] += present.double()
    finally:
        network.train(was_training)
    return totals


def scores_to_metrics(totals: torch.Tensor, num_classes: int) -> tuple[float, tuple[float, ...]]:
    """Mean loss and mean Dice per class (NaN where never present) from :func:`score_batches` sums."""
    count = float(totals[1])
    loss = float(totals[0]) / count if count else float("nan")
    sums = totals[2 : 1 + num_classes]
    counts = totals[1 + num_classes :]
    dice = tuple(float(s / c) if c > 0 else float("nan") for s, c in zip(sums, counts, strict=True))
    return loss, dice
