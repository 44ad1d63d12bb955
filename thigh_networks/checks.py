"""Checks of a network topology and of a network input, with messages that say what to do.

Plans are validated when they are read, but a topology can also be built by
hand (tests, experiments), so the network checks what it relies on.

Example:
    >>> import torch
    >>> check_input_shape(torch.zeros(1, 3, 48, 32), spatial_dims=2, in_channels=3, total_stride=(4, 4))
    >>> check_input_shape(torch.zeros(1, 3, 50, 32), 2, 3, (4, 4))
    Traceback (most recent call last):
    ...
    ValueError: input spatial size (50, 32) is not divisible by the network's total stride (4, 4); pad it to (52, 32)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from thigh_networks.layers import ACTIVATIONS, NORMS
from thigh_planner.plans.schema import NetworkTopology


def check_topology(topology: NetworkTopology) -> None:
    """Raise ValueError listing every inconsistency of ``topology`` a U-Net cannot be built with."""
    problems: list[str] = []
    dims, stages = topology.spatial_dims, topology.num_stages
    if dims not in (2, 3):
        problems.append(f"spatial_dims must be 2 or 3, got {dims}")
    if stages < 1:
        problems.append("features_per_stage is empty; a U-Net needs at least 1 stage")
    for name in ("strides", "kernel_sizes", "n_conv_per_stage"):
        if len(getattr(topology, name)) != stages:
            problems.append(
                f"{name} has {len(getattr(topology, name))} entries, expected {stages} (one per stage)"
            )
    if len(topology.n_conv_per_stage_decoder) != max(stages - 1, 0):
        problems.append(
            f"n_conv_per_stage_decoder has {len(topology.n_conv_per_stage_decoder)} entries, "
            f"expected {max(stages - 1, 0)} (num_stages - 1)"
        )
    for name in ("strides", "kernel_sizes"):
        for stage, value in enumerate(getattr(topology, name)):
            if len(value) != dims:
                problems.append(f"{name}[{stage}] = {tuple(value)} has {len(value)} axes, expected {dims}")
    if topology.num_skip_connections != stages - 1:
        problems.append(
            f"num_skip_connections is {topology.num_skip_connections}, expected num_stages - 1 = {stages - 1}"
        )
    if topology.norm not in NORMS:
        problems.append(f"unknown norm {topology.norm!r}; expected one of {', '.join(NORMS)}")
    if topology.activation not in ACTIVATIONS:
        problems.append(
            f"unknown activation {topology.activation!r}; expected one of {', '.join(ACTIVATIONS)}"
        )
    if problems:
        raise ValueError("invalid network topology: " + "; ".join(problems))


def check_input_shape(
    x: torch.Tensor, spatial_dims: int, in_channels: int, total_stride: Sequence[int]
) -> None:
    """Raise ValueError unless ``x`` is ``(B, in_channels, *spatial)`` with spatial sizes divisible by the stride.

    Args:
        x: The network input.
        spatial_dims: 2 or 3.
        in_channels: Channels the network expects.
        total_stride: Product of the strides per axis.
    """
    if x.ndim != spatial_dims + 2:
        raise ValueError(
            f"expected a {spatial_dims + 2}D input (B, C, {'spatial, ' * spatial_dims}...) for a "
            f"{spatial_dims}D network, got shape {tuple(x.shape)}"
        )
    if x.shape[1] != in_channels:
        raise ValueError(f"expected {in_channels} input channels, got {x.shape[1]} (shape {tuple(x.shape)})")
    size = tuple(int(s) for s in x.shape[2:])
    if any(s % d for s, d in zip(size, total_stride, strict=True)):
        padded = tuple(int(math.ceil(s / d) * d) for s, d in zip(size, total_stride, strict=True))
        raise ValueError(
            f"input spatial size {size} is not divisible by the network's total stride "
            f"{tuple(total_stride)}; pad it to {padded}"
        )
