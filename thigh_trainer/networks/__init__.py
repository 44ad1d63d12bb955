"""U-Nets for the 2D (per orientation) and 3D configurations, built from a planned topology.

Example:
    >>> import torch
    >>> from thigh_planner.plans import NetworkTopology
    >>> topology = NetworkTopology(2, 3, 11, (8, 16, 32), ((1, 1), (2, 2), (2, 2)), ((3, 3),) * 3,
    ...                            (2, 2, 2), (2, 2), 2, "batch", "relu", True)
    >>> network = build_network(topology)
    >>> [tuple(o.shape) for o in network(torch.zeros(2, 3, 32, 32))]
    [(2, 11, 32, 32), (2, 11, 16, 16)]
"""

from thigh_trainer.networks.build import build_network, count_parameters
from thigh_trainer.networks.unet import UNet

__all__ = ["UNet", "build_network", "count_parameters"]
