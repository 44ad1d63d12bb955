"""Build the network a plans configuration describes, and count its parameters.

Example:
    >>> from thigh_planner.plans import FingerprintSummary, build_plans
    >>> summary = FingerprintSummary(24, (0.8, 0.8, 2.0), {"0.5": -60.0, "99.5": 140.0}, 50.0, 25.0, 420.0)
    >>> topology = build_plans(summary, "D", preset="paper").configuration("2d5").network
    >>> from thigh_planner.plans.memory import count_parameters as planned
    >>> count_parameters(build_network(topology)) == planned(topology)
    True
"""

from __future__ import annotations

import logging

from torch import nn

from thigh_networks.unet import UNet
from thigh_planner.plans.schema import NetworkTopology

logger = logging.getLogger(__name__)


def build_network(topology: NetworkTopology, dropout: float = 0.0) -> nn.Module:
    """Return the U-Net of ``topology`` (2D or 3D by ``topology.spatial_dims``), He-initialised.

    Args:
        topology: The planned network, e.g. ``plans.configuration("2d5").network``.
        dropout: Channel dropout probability after every norm (0 for the planned networks).

    Returns:
        A :class:`~thigh_networks.unet.UNet` in training mode, on the CPU.

    Raises:
        ValueError: If the topology is inconsistent.
    """
    network = UNet(topology, dropout=dropout)
    logger.debug(
        "built a %dD U-Net: %d stages, features %s, %d parameters",
        topology.spatial_dims,
        topology.num_stages,
        topology.features_per_stage,
        count_parameters(network),
    )
    return network


def count_parameters(module: nn.Module) -> int:
    """Return the number of trainable parameters of ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
