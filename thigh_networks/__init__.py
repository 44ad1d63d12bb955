"""The networks, below both training and inference: what ``thigh_train`` and ``thigh_predict`` both need.

- ``build.build_network``: the U-Net of a planned topology (2D per orientation, or 3D);
  ``unet``, ``blocks``, ``layers``, ``checks``: its parts.
- ``checkpoint``: checkpoint files (names, atomic save, load with clear errors).
- ``weights.load_weights``: the planned network with a checkpoint's trained weights.
- ``precision``: the ``--device`` and ``--precision`` choices (autocast, gradient scaler).

This package imports only ``thigh_common`` and ``thigh_planner`` (see ``tests/test_import_graph.py``).

Example:
    >>> import torch
    >>> from thigh_planner.plans import NetworkTopology
    >>> topology = NetworkTopology(2, 3, 11, (8, 16, 32), ((1, 1), (2, 2), (2, 2)), ((3, 3),) * 3,
    ...                            (2, 2, 2), (2, 2), 2, "batch", "relu", True)
    >>> network = build_network(topology)
    >>> [tuple(o.shape) for o in network(torch.zeros(2, 3, 32, 32))]
    [(2, 11, 32, 32), (2, 11, 16, 16)]
"""

from thigh_networks.build import build_network, count_parameters
from thigh_networks.unet import UNet

__all__ = ["UNet", "build_network", "count_parameters"]
