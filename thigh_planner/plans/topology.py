"""U-Net topology from the patch size (nnU-Net's rule, simplified).

Each axis is halved at every stage while it stays at least
``min_feature_map_size`` voxels, up to ``max_stages`` stages. Features start at
``base_features`` and double per stage up to ``max_features``. Patches are then
padded up to a multiple of the total stride, so every feature map has an
integer size and the decoder's upsampled maps match the skips.

Example:
    >>> rule = TopologyRule(32, 512, 6, 4, 2, "instance", "leaky_relu", True)
    >>> net = make_topology([(128, 128), (180, 128)], rule, in_channels=3, num_classes=11)
    >>> net.features_per_stage, net.total_stride
    ((32, 64, 128, 256, 512, 512), (32, 32))
    >>> pad_to_stride((180, 128), net.total_stride)
    (192, 128)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from thigh_planner.plans.schema import NetworkTopology


@dataclasses.dataclass(frozen=True)
class TopologyRule:
    """How a preset turns a patch size into a U-Net.

    Attributes:
        base_features: Features of the first stage.
        max_features: Cap on the features of any stage.
        max_stages: Most resolution stages (downsamplings + 1).
        min_feature_map_size: An axis is not halved below this many voxels.
        n_conv: Convolutions per encoder and per decoder stage.
        norm: ``"instance"`` or ``"batch"``.
        activation: ``"leaky_relu"`` or ``"relu"``.
        deep_supervision: Whether lower decoder stages get a loss too.
    """

    base_features: int
    max_features: int
    max_stages: int
    min_feature_map_size: int
    n_conv: int
    norm: str
    activation: str
    deep_supervision: bool


def poolings_per_axis(shape: Sequence[int], min_feature_map_size: int, max_poolings: int) -> tuple[int, ...]:
    """Return how often each axis can be halved without falling below ``min_feature_map_size``."""
    return tuple(
        max(0, min(max_poolings, int(math.floor(math.log2(size / min_feature_map_size)))))
        if size >= min_feature_map_size
        else 0
        for size in shape
    )


def make_topology(
    patch_shapes: Sequence[Sequence[int]], rule: TopologyRule, in_channels: int, num_classes: int
) -> NetworkTopology:
    """Return the U-Net topology for patches of the given (unpadded) shapes.

    Args:
        patch_shapes: One or more patch shapes of equal dimension (the orientations of a 2D
            configuration share one topology); per axis the smallest size decides.
        rule: The preset's topology rule.
        in_channels: Input channels.
        num_classes: Output channels.

    Returns:
        The topology; pad patches with :func:`pad_to_stride` before use.
    """
    spatial_dims = len(patch_shapes[0])
    smallest = [min(int(shape[axis]) for shape in patch_shapes) for axis in range(spatial_dims)]
    poolings = poolings_per_axis(smallest, rule.min_feature_map_size, rule.max_stages - 1)
    num_stages = 1 + max(poolings)
    strides = tuple(
        tuple(2 if 0 < stage <= poolings[axis] else 1 for axis in range(spatial_dims))
        for stage in range(num_stages)
    )
    features = tuple(min(rule.base_features * 2**stage, rule.max_features) for stage in range(num_stages))
    return NetworkTopology(
        spatial_dims=spatial_dims,
        in_channels=in_channels,
        num_classes=num_classes,
        features_per_stage=features,
        strides=strides,
        kernel_sizes=tuple((3,) * spatial_dims for _ in range(num_stages)),
        n_conv_per_stage=(rule.n_conv,) * num_stages,
        n_conv_per_stage_decoder=(rule.n_conv,) * (num_stages - 1),
        num_skip_connections=num_stages - 1,
        norm=rule.norm,
        activation=rule.activation,
        deep_supervision=rule.deep_supervision,
    )


def pad_to_stride(shape: Sequence[int], total_stride: Sequence[int]) -> tuple[int, ...]:
    """Round every size of ``shape`` up to a multiple of its total stride."""
    return tuple(
        int(math.ceil(size / stride) * stride) for size, stride in zip(shape, total_stride, strict=True)
    )


def feature_map_shapes(patch: Sequence[int], network: NetworkTopology) -> list[tuple[int, ...]]:
    """Return the spatial shape of each stage's feature maps for a (padded) ``patch``."""
    shapes, current = [], tuple(int(size) for size in patch)
    for stride in network.strides:
        current = tuple(size // s for size, s in zip(current, stride, strict=True))
        shapes.append(current)
    return shapes
