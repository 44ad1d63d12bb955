"""Choosing patch and batch size of each configuration for a memory budget.

Example:
    >>> from thigh_planner.plans.presets import PAPER
    >>> fitted = fit_2d(PAPER, (180, 128, 128), ("axial", "coronal", "sagittal"), 8.0, num_legs=48)
    >>> fitted.patches["coronal"], fitted.network.num_skip_connections
    ((180, 128), 2)
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Sequence

from thigh_common.labels import NUM_CLASSES
from thigh_planner.plans.geometry import slice_shape
from thigh_planner.plans.memory import largest_batch_size
from thigh_planner.plans.presets import Preset
from thigh_planner.plans.schema import NetworkTopology
from thigh_planner.plans.topology import make_topology, pad_to_stride

LOGGER = logging.getLogger(__name__)
MIN_PATCH_SIZE_3D = 16
"""The 3D patch is not shrunk below this many voxels along any axis."""


@dataclasses.dataclass(frozen=True)
class Fitted:
    """A topology with its padded patches and the batch size chosen for them."""

    network: NetworkTopology
    patches: dict[str, tuple[int, ...]]
    batch_size: int
    estimated_memory_gb: float


def _batch_limits(limits: tuple[int, int], fraction: float, num_samples: int) -> tuple[int, int]:
    low, high = limits
    return low, max(low, min(high, int(math.floor(fraction * num_samples))))


def fit_2d(
    preset: Preset, crop_shape: Sequence[int], orientations: Sequence[str], budget_gb: float, num_legs: int
) -> Fitted:
    """Fit a 2D configuration: one topology for all orientations, whole slices padded to its stride.

    Args:
        preset: The preset (topology rule, batch limits).
        crop_shape: Leg crop (z, y, x).
        orientations: Orientations trained, each with its own network of this topology.
        budget_gb: GPU memory budget in GiB.
        num_legs: Training legs (two per case), to cap the batch at a fraction of the slices.
    """
    slices = [slice_shape(crop_shape, orientation) for orientation in orientations]
    network = make_topology(slices, preset.rule_2d, in_channels=3, num_classes=NUM_CLASSES)
    patches = {o: pad_to_stride(s, network.total_stride) for o, s in zip(orientations, slices, strict=True)}
    fewest_slices = num_legs * min(int(crop_shape[axis]) for axis in _normal_axes_zyx(orientations))
    low, high = _batch_limits(preset.batch_2d, preset.max_batch_fraction, fewest_slices)
    batch, estimate, fits = largest_batch_size(network, list(patches.values()), budget_gb, low, high)
    if not fits:
        LOGGER.warning(
            "2D batch %d of patches %s needs about %.1f GiB, more than the %.1f GiB budget; "
            "training may run out of GPU memory (give --gpu-memory-gb of the real GPU)",
            batch,
            list(patches.values()),
            estimate,
            budget_gb,
        )
    return Fitted(network, patches, batch, round(estimate, 2))


def fit_3d(preset: Preset, crop_shape: Sequence[int], budget_gb: float, num_legs: int) -> Fitted:
    """Fit the 3D configuration: the whole crop if the minimum batch fits, else shrink the patch.

    The largest axis is shrunk by one total stride at a time (the topology is re-derived for
    every candidate) until the minimum batch fits or no axis can shrink further.
    """
    low, high = _batch_limits(preset.batch_3d, preset.max_batch_fraction, num_legs)
    patch = tuple(int(size) for size in crop_shape)
    while True:
        network = make_topology([patch], preset.rule_3d, in_channels=1, num_classes=NUM_CLASSES)
        padded = pad_to_stride(patch, network.total_stride)
        batch, estimate, fits = largest_batch_size(network, [padded], budget_gb, low, high)
        axis = max(range(3), key=lambda a: padded[a])
        smaller = padded[axis] - network.total_stride[axis]
        if fits or smaller < MIN_PATCH_SIZE_3D:
            break
        patch = tuple(smaller if a == axis else padded[a] for a in range(3))
    if not fits:
        LOGGER.warning(
            "3D patch %s at batch %d needs about %.1f GiB, more than the %.1f GiB budget",
            list(padded),
            batch,
            estimate,
            budget_gb,
        )
    elif padded != pad_to_stride(crop_shape, network.total_stride):
        LOGGER.info(
            "3D patch shrunk to %s (crop %s) to fit %.1f GiB", list(padded), list(crop_shape), budget_gb
        )
    return Fitted(network, {"volume": padded}, batch, round(estimate, 2))


def _normal_axes_zyx(orientations: Sequence[str]) -> list[int]:
    return [{"axial": 0, "coronal": 1, "sagittal": 2}[orientation] for orientation in orientations]
