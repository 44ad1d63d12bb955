"""Training-memory estimate of a U-Net and the batch size that fits a memory budget.

The estimate (documented in ``documentation/plans.md``)::

    memory = batch * activations * ACTIVATION_BYTES * BACKWARD_FACTOR
             + parameters * PARAMETER_BYTES + FIXED_OVERHEAD_GB

``activations`` counts the values of every feature map one sample keeps for the
backward pass: per convolution its output, its normalised output and its
activation (3 maps); per decoder stage also the upsampled map and the
concatenation with the skip; the input; and per segmentation head the logits
and their softmax. It is a coarse, monotone model, not a measurement.

Example:
    >>> from thigh_planner.plans.topology import TopologyRule, make_topology
    >>> rule = TopologyRule(32, 128, 3, 4, 2, "batch", "relu", False)
    >>> net = make_topology([(128, 128)], rule, 3, 11)
    >>> estimate_memory_gb(net, (128, 128), 2) < estimate_memory_gb(net, (128, 128), 4)
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from thigh_planner.plans.schema import NetworkTopology
from thigh_planner.plans.topology import feature_map_shapes

ACTIVATION_BYTES = 2
"""Bytes per activation value: mixed-precision (float16) training."""
BACKWARD_FACTOR = 1.5
"""Allowance for gradient buffers of activations alive during the backward pass."""
PARAMETER_BYTES = 16
"""Bytes per parameter: float32 weight, its gradient and Adam's two moments."""
FIXED_OVERHEAD_GB = 0.5
"""CUDA context, cuDNN workspace and allocator slack."""
GIB = 1024**3


def count_activations(network: NetworkTopology, patch: Sequence[int]) -> int:
    """Return the activation values one sample keeps for backward (see the module docstring)."""
    shapes = feature_map_shapes(patch, network)
    voxels = [math.prod(shape) for shape in shapes]
    total = network.in_channels * math.prod(patch)
    for stage, (features, size) in enumerate(zip(network.features_per_stage, voxels, strict=True)):
        total += network.n_conv_per_stage[stage] * 3 * features * size
        if stage < network.num_stages - 1:
            total += 3 * features * size  # upsampled map and the concatenation with the skip
            total += network.n_conv_per_stage_decoder[stage] * 3 * features * size
            if stage == 0 or network.deep_supervision:
                total += 2 * network.num_classes * size  # logits and softmax
    if network.num_stages == 1:
        total += 2 * network.num_classes * voxels[0]
    return total


def count_parameters(network: NetworkTopology) -> int:
    """Return the number of trainable parameters (convolutions, biases, norms, heads)."""

    def conv(in_channels: int, out_channels: int, kernel: Sequence[int]) -> int:
        return math.prod(kernel) * in_channels * out_channels + 3 * out_channels  # bias, norm scale and shift

    total, previous = 0, network.in_channels
    features, kernels = network.features_per_stage, network.kernel_sizes
    for stage, count in enumerate(network.n_conv_per_stage):
        for index in range(count):
            total += conv(previous if index == 0 else features[stage], features[stage], kernels[stage])
        previous = features[stage]
    for stage in range(network.num_stages - 1):
        total += (
            math.prod(network.strides[stage + 1]) * features[stage + 1] * features[stage] + features[stage]
        )
        for index in range(network.n_conv_per_stage_decoder[stage]):
            total += conv(
                2 * features[stage] if index == 0 else features[stage], features[stage], kernels[stage]
            )
        if stage == 0 or network.deep_supervision:
            total += (features[stage] + 1) * network.num_classes
    return total


def estimate_memory_gb(network: NetworkTopology, patch: Sequence[int], batch_size: int) -> float:
    """Return the estimated GPU memory (GiB) to train ``network`` on ``batch_size`` patches of ``patch``."""
    activations = batch_size * count_activations(network, patch) * ACTIVATION_BYTES * BACKWARD_FACTOR
    parameters = count_parameters(network) * PARAMETER_BYTES
    return (activations + parameters) / GIB + FIXED_OVERHEAD_GB


def largest_batch_size(
    network: NetworkTopology,
    patches: Sequence[Sequence[int]],
    budget_gb: float,
    min_batch: int,
    max_batch: int,
) -> tuple[int, float, bool]:
    """Return the largest batch in ``[min_batch, max_batch]`` whose largest patch fits ``budget_gb``.

    Args:
        network: The topology.
        patches: The patches trained with this batch size (one per orientation); the largest counts.
        budget_gb: Memory budget in GiB.
        min_batch: Smallest batch allowed; returned even when it does not fit.
        max_batch: Largest batch allowed.

    Returns:
        ``(batch_size, estimated_memory_gb, fits)``.
    """
    largest = max(patches, key=math.prod)
    per_sample = estimate_memory_gb(network, largest, 1) - estimate_memory_gb(network, largest, 0)
    fixed = estimate_memory_gb(network, largest, 0)
    fitting = int((budget_gb - fixed) // per_sample) if per_sample > 0 else max_batch
    batch = max(min_batch, min(max_batch, fitting))
    while batch > min_batch and estimate_memory_gb(network, largest, batch) > budget_gb:
        batch -= 1  # guards against rounding in the division above
    estimate = estimate_memory_gb(network, largest, batch)
    return batch, estimate, estimate <= budget_gb
