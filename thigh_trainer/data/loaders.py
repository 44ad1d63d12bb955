"""batchgenerators data loaders: 2D neighbour-slice batches and 3D patch batches.

Each loader yields batchgenerators' dicts ``{"data": float32 (B, C, *S), "seg": float32 (B, 1, *S)}``
where ``S`` is the patch size plus ``margin`` voxels on every side (room for the random shift of
:mod:`thigh_trainer.data.augmentation`, whose spatial transform crops back to the patch size).
Images are padded with the leg's minimum (background), labels with 0. Loaders are infinite; a
background worker calls ``set_thread_id`` and gets its own random stream.

Example:
    >>> loader = SliceLoader(legs, "coronal", (96, 64), batch_size=4, offset=2,
    ...                      oversample_foreground=0.33, seed=0)
    >>> next(loader)["data"].shape
    (4, 3, 96, 64)
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np
from batchgenerators.dataloading.data_loader import SlimDataLoaderBase

from thigh_trainer.data.boxes import center_fit, cut_box
from thigh_trainer.data.legs import LegArrays
from thigh_trainer.data.sampling import PatchSampler, SliceSampler
from thigh_trainer.data.slices import extract_label_slice, extract_slice


def _check_sizes(patch_size: Sequence[int], dims: int, batch_size: int, margin: int) -> tuple[int, ...]:
    patch = tuple(int(size) for size in patch_size)
    if len(patch) != dims or min(patch) < 1:
        raise ValueError(f"patch_size must be {dims} positive sizes, found {tuple(patch_size)}.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, found {batch_size}.")
    if margin < 0:
        raise ValueError(f"margin must be >= 0, found {margin}.")
    return patch


class _SeededLoader(SlimDataLoaderBase):
    """Infinite loader whose sampler is reseeded per background worker."""

    sampler: SliceSampler | PatchSampler

    def __init__(self, legs: Sequence[LegArrays], batch_size: int, seed: int) -> None:
        super().__init__(list(legs), batch_size)
        self.legs: list[LegArrays] = list(legs)
        self.seed = int(seed)
        self.pad_values = [float(np.min(leg.image)) for leg in self.legs]

    def set_thread_id(self, thread_id: int) -> None:
        """Give worker ``thread_id`` its own sample stream (worker 0 equals the single-threaded one)."""
        super().set_thread_id(thread_id)
        self.sampler.reseed([self.seed, int(thread_id)])
        # batchgenerators draws noise variances and blur sigmas from Python's ``random``, which forked
        # workers would otherwise share; numpy's global state is seeded by the augmenter itself.
        random.seed(int(np.random.SeedSequence([self.seed, int(thread_id)]).generate_state(1)[0]))


class SliceLoader(_SeededLoader):
    """Batches of three-channel slices of one orientation.

    Args:
        legs: Training legs.
        orientation: ``axial``, ``coronal`` or ``sagittal``.
        patch_size: ``(H, W)`` the network sees in this orientation (plans' ``patch_size``).
        batch_size: Slices per batch.
        offset: Neighbour offset in slices (plans' ``neighbour_offset_slices[orientation]``).
        oversample_foreground: Fraction of slices forced to hold a (rare) muscle, 0..1.
        seed: Seed of the slice draws.
        margin: Extra voxels on every side for the augmentation's shift (``spatial_margin``).

    Yields:
        ``{"data": float32 (B, 3, H + 2 margin, W + 2 margin), "seg": float32 (B, 1, ...)}``.
    """

    def __init__(
        self,
        legs: Sequence[LegArrays],
        orientation: str,
        patch_size: Sequence[int],
        batch_size: int,
        offset: int,
        oversample_foreground: float,
        seed: int,
        margin: int = 0,
    ) -> None:
        patch = _check_sizes(patch_size, 2, batch_size, margin)
        if offset < 0:
            raise ValueError(f"Neighbour offset must be >= 0, found {offset}.")
        self.sampler = SliceSampler(legs, orientation, oversample_foreground, seed)
        super().__init__(legs, batch_size, seed)
        self.orientation = orientation
        self.offset = int(offset)
        self.patch_size = patch
        self.sample_size = tuple(size + 2 * int(margin) for size in patch)
        self.sampler.reseed([self.seed, 0])

    def generate_train_batch(self) -> dict[str, np.ndarray]:
        """Draw one batch (see the class docstring for shapes)."""
        data = np.empty((self.batch_size, 3, *self.sample_size), dtype=np.float32)
        seg = np.empty((self.batch_size, 1, *self.sample_size), dtype=np.float32)
        for row, (leg_index, index) in enumerate(self.sampler.draw(self.batch_size)):
            leg = self.legs[leg_index]
            image = extract_slice(leg.image, self.orientation, int(index), self.offset)
            labels = extract_label_slice(leg.labels, self.orientation, int(index))
            data[row] = center_fit(image, self.sample_size, self.pad_values[leg_index])
            seg[row, 0] = center_fit(labels, self.sample_size, 0)
        return {"data": data, "seg": seg}


class PatchLoader(_SeededLoader):
    """Batches of 3D patches (one input channel: the volume).

    Args:
        legs: Training legs.
        patch_size: ``(D, H, W)`` patch (plans' ``patch_size["volume"]``).
        batch_size: Patches per batch.
        oversample_foreground: Fraction of patches forced to hold a (rare) muscle, 0..1.
        seed: Seed of the patch draws.
        margin: Extra voxels on every side for the augmentation's shift.

    Yields:
        ``{"data": float32 (B, 1, D + 2 margin, ...), "seg": float32 (B, 1, ...)}``.
    """

    def __init__(
        self,
        legs: Sequence[LegArrays],
        patch_size: Sequence[int],
        batch_size: int,
        oversample_foreground: float,
        seed: int,
        margin: int = 0,
    ) -> None:
        patch = _check_sizes(patch_size, 3, batch_size, margin)
        self.sampler = PatchSampler(legs, patch, oversample_foreground, seed)
        super().__init__(legs, batch_size, seed)
        self.patch_size = patch
        self.margin = int(margin)
        self.sample_size = tuple(size + 2 * self.margin for size in patch)
        self.sampler.reseed([self.seed, 0])

    def generate_train_batch(self) -> dict[str, np.ndarray]:
        """Draw one batch (see the class docstring for shapes)."""
        data = np.empty((self.batch_size, 1, *self.sample_size), dtype=np.float32)
        seg = np.empty((self.batch_size, 1, *self.sample_size), dtype=np.float32)
        for row, (leg_index, *origin) in enumerate(self.sampler.draw(self.batch_size)):
            leg = self.legs[leg_index]
            start = [int(o) - self.margin for o in origin]
            data[row, 0] = cut_box(leg.image, start, self.sample_size, self.pad_values[leg_index])
            seg[row, 0] = cut_box(leg.labels, start, self.sample_size, 0)
        return {"data": data, "seg": seg}
