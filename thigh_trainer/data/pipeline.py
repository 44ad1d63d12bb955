"""The training batch stream: loader + augmentation, in background worker processes.

Example:
    >>> with make_batch_stream(legs, "axial", (128, 128), 64, offset=2, augmentation=aug,
    ...                        oversample_foreground=0.33, seed=0, num_workers=4) as stream:
    ...     batch = next(stream)  # {"data": float32 tensor (64, 3, 128, 128), "seg": float32 tensor (64, 1, ...)}
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from batchgenerators.dataloading.multi_threaded_augmenter import MultiThreadedAugmenter
from batchgenerators.dataloading.single_threaded_augmenter import SingleThreadedAugmenter
from batchgenerators.transforms.abstract_transforms import AbstractTransform, Compose

from thigh_planner.plans.schema import Augmentation
from thigh_trainer.data.augmentation import build_transforms, spatial_margin
from thigh_trainer.data.legs import LegArrays
from thigh_trainer.data.loaders import PatchLoader, SliceLoader

logger = logging.getLogger(__name__)


def worker_seeds(seed: int, num_workers: int) -> list[int]:
    """Distinct, reproducible numpy seeds for the augmentation of each background worker."""
    children = np.random.SeedSequence(int(seed)).spawn(max(1, num_workers))
    return [int(child.generate_state(1)[0]) for child in children]


class BatchStream:
    """An infinite iterator of augmented batches that owns its worker processes.

    Use it as a context manager, or call :meth:`close`, so that the workers are shut down.

    Attributes:
        augmenter: The underlying batchgenerators ``MultiThreadedAugmenter`` or ``SingleThreadedAugmenter``.
        loader: The data loader feeding it.
    """

    def __init__(
        self,
        augmenter: MultiThreadedAugmenter | SingleThreadedAugmenter,
        loader: Any,
        to_tensor: AbstractTransform | None = None,
        pin_memory: bool = False,
    ) -> None:
        self.augmenter = augmenter
        self.loader = loader
        self._to_tensor = to_tensor
        self._pin_memory = pin_memory
        self._closed = False

    def __iter__(self) -> BatchStream:
        return self

    def __next__(self) -> dict[str, Any]:
        if self._closed:
            raise RuntimeError("The batch stream is closed; make a new one with make_batch_stream.")
        batch = next(self.augmenter)
        if self._to_tensor is not None:
            batch = self._to_tensor(**batch)
        if self._pin_memory:
            batch = {k: v.pin_memory() if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
        return batch

    def close(self) -> None:
        """Stop the background workers (idempotent)."""
        if not self._closed and isinstance(self.augmenter, MultiThreadedAugmenter):
            self.augmenter._finish()
        self._closed = True

    def __enter__(self) -> BatchStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def make_batch_stream(
    legs: Sequence[LegArrays],
    orientation_or_none: str | None,
    patch_size: Sequence[int],
    batch_size: int,
    offset: int,
    augmentation: Augmentation,
    oversample_foreground: float,
    seed: int,
    num_workers: int,
    *,
    order_data: int = 3,
    pin_memory: bool | None = None,
    num_cached_per_worker: int = 2,
) -> BatchStream:
    """Build the augmented training stream of one network.

    Args:
        legs: Training legs.
        orientation_or_none: ``axial``, ``coronal`` or ``sagittal`` for a 2D network; None for 3D patches.
        patch_size: ``(H, W)`` or ``(D, H, W)`` network input.
        batch_size: Samples per batch.
        offset: Neighbour offset in slices (ignored for 3D).
        augmentation: The configuration's ``training.augmentation``.
        oversample_foreground: Fraction of samples forced to hold a (rare) muscle, 0..1.
        seed: Seed of the sampling and augmentation (each worker derives its own from it).
        num_workers: Background worker processes; 0 runs in the calling process. With 0 the
            global numpy random state is seeded (batchgenerators' transforms draw from it).
        order_data: Spline order of image interpolation in the spatial transform.
        pin_memory: Pin batches for fast GPU copies; default: when CUDA is available.
        num_cached_per_worker: Batches each worker keeps ready.

    Returns:
        A :class:`BatchStream` yielding ``{"data": float32 tensor (B, C, *patch), "seg": float32 tensor
        (B, 1, *patch)}``, C = 3 for 2D, 1 for 3D.

    Raises:
        ValueError: For a negative ``num_workers`` or bad sizes (see the loaders).
    """
    if num_workers < 0:
        raise ValueError(f"num_workers must be >= 0, found {num_workers}.")
    margin = spatial_margin(augmentation)
    if orientation_or_none is None:
        loader = PatchLoader(legs, patch_size, batch_size, oversample_foreground, seed, margin=margin)
        spatial_dims = 3
    else:
        loader = SliceLoader(
            legs,
            orientation_or_none,
            patch_size,
            batch_size,
            offset,
            oversample_foreground,
            seed,
            margin=margin,
        )
        spatial_dims = 2
    transform = build_transforms(augmentation, patch_size, spatial_dims, orientation_or_none, order_data)
    seeds = worker_seeds(seed, num_workers)
    if pin_memory is None:
        pin_memory = torch.cuda.is_available()
    if num_workers == 0:
        np.random.seed(seeds[0])
        loader.set_thread_id(0)
        return BatchStream(SingleThreadedAugmenter(loader, transform), loader, pin_memory=pin_memory)
    # Workers send numpy arrays; the tensors are made here. Torch tensors sent between processes go
    # through shared-memory file descriptors, which break when a worker exits during shutdown.
    *in_workers, to_tensor = transform.transforms
    logger.debug("Starting %d batch workers (%s)", num_workers, orientation_or_none or "3d")
    augmenter = MultiThreadedAugmenter(
        loader, Compose(in_workers), num_workers, num_cached_per_queue=num_cached_per_worker, seeds=seeds
    )
    return BatchStream(augmenter, loader, to_tensor, pin_memory)
