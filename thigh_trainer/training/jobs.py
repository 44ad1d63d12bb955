"""What the training loop is given: one network to train (:class:`NetworkJob`), and where it runs (:class:`Runtime`).

In a module of their own, so the loop, the checkpoint content and the validation batches all
import them from here, and none of them imports another for a type.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import torch

from thigh_networks.precision import Precision
from thigh_planner.plans import NetworkTopology, TrainingSettings
from thigh_trainer.data.legs import LegArrays
from thigh_trainer.training.distributed import DistributedContext
from thigh_trainer.training.pretrained import PretrainedWeights
from thigh_trainer.training.progress_log import EpochRecord


@dataclasses.dataclass
class NetworkJob:
    """One network to train and everything its loop needs.

    Attributes:
        name: ``axial``, ``coronal``, ``sagittal`` or ``volume``.
        folder: Where its checkpoints and progress files go.
        topology: The U-Net to build.
        patch_size: 2D ``(H, W)`` or 3D ``(D, H, W)`` input size.
        batch_size: Samples per iteration on this process.
        training: Optimiser, schedule, loss, epochs, iterations, augmentation.
        offset: Neighbour-slice offset (ignored for ``volume``).
        train_legs: Legs to train on.
        val_legs: Legs for the per-epoch validation batches (empty: no validation).
        plans_sha1: Hash of the plans, stored in and checked against checkpoints.
        seed: Base seed (data, augmentation and initialisation).
        workers: Data worker processes.
        validation_batches: Number of fixed validation batches.
        resume: Continue from ``checkpoint_latest.pt``.
        deadline: ``time.monotonic()`` after which training stops at the end of the current
            iteration (None: no limit).
        pretrained: Weights to start from (not when resuming: the latest checkpoint has them).
        freeze_encoder: Keep the encoder's weights fixed.
    """

    name: str
    folder: Path
    topology: NetworkTopology
    patch_size: tuple[int, ...]
    batch_size: int
    training: TrainingSettings
    offset: int
    train_legs: list[LegArrays]
    val_legs: list[LegArrays]
    plans_sha1: str
    seed: int = 0
    workers: int = 0
    validation_batches: int = 10
    resume: bool = False
    deadline: float | None = None
    pretrained: PretrainedWeights | None = None
    freeze_encoder: bool = False

    @property
    def orientation(self) -> str | None:
        """The slice orientation, None for the 3D network."""
        return None if self.topology.spatial_dims == 3 else self.name


@dataclasses.dataclass(frozen=True)
class Runtime:
    """Where and how training runs: device, precision, DDP context, and an optional epoch hook."""

    device: torch.device
    precision: Precision
    context: DistributedContext = DistributedContext()
    on_epoch_end: Callable[[EpochRecord], None] | None = None
