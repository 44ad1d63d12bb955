"""Which slices (2D) and patches (3D) a training batch is drawn from.

A fraction ``oversample_foreground`` of the draws is forced to hold a muscle class chosen with
probability inversely proportional to its voxel count over the training legs, so small muscles
(sartorius, gracilis) are seen more often; the other draws are uniform over the slices that hold
any body (2D) or over all patch positions (3D). Both samplers are deterministic per seed.

Example:
    >>> sampler = SliceSampler(legs, "axial", oversample_foreground=0.33, seed=0)
    >>> sampler.draw(4)  # (4, 2) rows of (leg index, slice index)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from thigh_common.labels import NUM_CLASSES
from thigh_trainer.data.legs import LegArrays
from thigh_trainer.data.slices import orientation_axis
from thigh_trainer.data.statistics import (
    body_slices,
    check_label_values,
    class_locations,
    class_sampling_weights,
    slice_class_counts,
)

logger = logging.getLogger(__name__)


def _check_common(legs: Sequence[LegArrays], oversample_foreground: float) -> None:
    if len(legs) == 0:
        raise ValueError("No training legs given; the fold's training split is empty.")
    if not 0.0 <= oversample_foreground <= 1.0:
        raise ValueError(f"oversample_foreground must be in [0, 1], found {oversample_foreground}.")
    for leg in legs:
        check_label_values(leg.labels, leg.name)


class _SeededSampler:
    """Shared seeding and the forced-or-uniform coin of both samplers."""

    def __init__(self, oversample_foreground: float, seed: int) -> None:
        self.oversample_foreground = float(oversample_foreground)
        self.reseed(seed)

    def reseed(self, seed: int | Sequence[int]) -> None:
        """Restart the random stream (a loader gives each background worker its own seed)."""
        self.rng = np.random.default_rng(seed)

    def _forced(self, count: int, class_probabilities: np.ndarray) -> np.ndarray:
        if class_probabilities.sum() == 0:
            return np.zeros(count, dtype=bool)
        return self.rng.random(count) < self.oversample_foreground


class SliceSampler(_SeededSampler):
    """Draw ``(leg index, slice index)`` pairs of one orientation.

    Args:
        legs: Training legs.
        orientation: ``axial``, ``coronal`` or ``sagittal``.
        oversample_foreground: Fraction of draws forced onto a slice holding a chosen muscle, 0..1.
        seed: Seed of the draws.

    Attributes:
        class_probabilities: ``(11,)`` probability of each class for a forced draw.
    """

    def __init__(
        self, legs: Sequence[LegArrays], orientation: str, oversample_foreground: float, seed: int
    ) -> None:
        orientation_axis(orientation)
        _check_common(legs, oversample_foreground)
        self.orientation = orientation
        counts = [slice_class_counts(leg.labels, orientation) for leg in legs]
        body = [
            body_slices(leg.image, orientation) | (c[:, 1:].sum(axis=1) > 0)
            for leg, c in zip(legs, counts, strict=True)
        ]
        self.uniform_pool = _pairs([np.flatnonzero(b) for b in body])
        if len(self.uniform_pool) == 0:
            raise ValueError(
                f"No {orientation} slice of the {len(legs)} training legs holds any body (all are at the "
                "image minimum); check the preprocessing."
            )
        self.class_pools = {
            label: _pairs([np.flatnonzero(c[:, label] > 0) for c in counts])
            for label in range(1, NUM_CLASSES)
        }
        self.class_probabilities = class_sampling_weights(np.sum([c.sum(axis=0) for c in counts], axis=0))
        if oversample_foreground > 0 and self.class_probabilities.sum() == 0:
            logger.warning("No muscle label in the training legs: all %s draws are uniform.", orientation)
        super().__init__(oversample_foreground, seed)

    def draw(self, count: int) -> np.ndarray:
        """Draw ``count`` slices.

        Returns:
            int64 ``(count, 2)``: leg index, slice index.
        """
        forced = self._forced(count, self.class_probabilities)
        rows = self.uniform_pool[self.rng.integers(0, len(self.uniform_pool), size=count)]
        for row in np.flatnonzero(forced):
            label = self.rng.choice(NUM_CLASSES, p=self.class_probabilities)
            pool = self.class_pools[label]
            rows[row] = pool[self.rng.integers(0, len(pool))]
        return rows


def _pairs(indices_per_leg: list[np.ndarray]) -> np.ndarray:
    """Stack per-leg index arrays into ``(n, 2)`` rows of (leg index, index)."""
    rows = [np.stack([np.full(len(ix), leg), ix], axis=1) for leg, ix in enumerate(indices_per_leg)]
    return np.concatenate(rows).astype(np.int64) if rows else np.zeros((0, 2), np.int64)


class PatchSampler(_SeededSampler):
    """Draw 3D patch positions ``(leg index, origin z, y, x)`` for patches of ``patch_size``.

    Uniform draws place the patch anywhere it overlaps the volume best: fully inside when the patch
    fits, else covering the whole axis (the loader pads). Forced draws choose a class by the same
    inverse-frequency rule, then a random voxel of it, then a patch position containing that voxel.

    Args:
        legs: Training legs.
        patch_size: ``(D, H, W)`` patch.
        oversample_foreground: Fraction of forced draws, 0..1.
        seed: Seed of the draws.
    """

    def __init__(
        self, legs: Sequence[LegArrays], patch_size: Sequence[int], oversample_foreground: float, seed: int
    ) -> None:
        _check_common(legs, oversample_foreground)
        if len(patch_size) != 3 or min(patch_size) < 1:
            raise ValueError(
                f"A 3D patch size needs three positive sizes (D, H, W), found {tuple(patch_size)}."
            )
        self.patch_size = tuple(int(p) for p in patch_size)
        self.shapes = np.array([leg.labels.shape for leg in legs], dtype=np.int64)
        self.locations = [class_locations(leg.labels, seed=i) for i, leg in enumerate(legs)]
        voxels = np.stack(
            [np.bincount(np.asarray(leg.labels).ravel(), minlength=NUM_CLASSES) for leg in legs]
        )
        self.voxels_per_leg = voxels
        self.class_probabilities = class_sampling_weights(voxels.sum(axis=0))
        super().__init__(oversample_foreground, seed)

    def _origin_range(self, leg: int) -> tuple[np.ndarray, np.ndarray]:
        spare = self.shapes[leg] - np.array(self.patch_size)
        return np.minimum(spare, 0), np.maximum(spare, 0)

    def draw(self, count: int) -> np.ndarray:
        """Draw ``count`` patches.

        Returns:
            int64 ``(count, 4)``: leg index, origin z, y, x (an origin may be negative: padding).
        """
        forced = self._forced(count, self.class_probabilities)
        rows = np.zeros((count, 4), dtype=np.int64)
        for row in range(count):
            if forced[row]:
                label = self.rng.choice(NUM_CLASSES, p=self.class_probabilities)
                per_leg = self.voxels_per_leg[:, label].astype(np.float64)
                leg = int(self.rng.choice(len(per_leg), p=per_leg / per_leg.sum()))
                where = self.locations[leg][label]
                voxel = where[self.rng.integers(0, len(where))]
                low, high = self._origin_range(leg)
                low = np.maximum(low, voxel - np.array(self.patch_size) + 1)
                high = np.minimum(high, voxel)
            else:
                leg = int(self.rng.integers(0, len(self.shapes)))
                low, high = self._origin_range(leg)
            rows[row, 0] = leg
            rows[row, 1:] = self.rng.integers(low, high + 1)
        return rows
