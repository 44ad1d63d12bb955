"""One generic U-Net for 2D and 3D, built from a :class:`NetworkTopology`.

Encoder: ``num_stages`` :class:`ConvStage` s, the first convolution of stage
``s`` strided by ``strides[s]``. Decoder: per skip an :class:`UpStage`
(transposed convolution, concatenation, convolutions). A 1x1 convolution maps
the full-resolution decoder output to ``num_classes`` logits; with deep
supervision every decoder stage has such a head and, in training mode, the
network returns all of their logits, highest resolution first (nnU-Net style).

Example:
    >>> import torch
    >>> from thigh_planner.plans import NetworkTopology
    >>> topology = NetworkTopology(2, 3, 11, (8, 16, 32), ((1, 1), (2, 2), (2, 2)), ((3, 3),) * 3,
    ...                            (2, 2, 2), (2, 2), 2, "batch", "relu", False)
    >>> UNet(topology).eval()(torch.zeros(1, 3, 48, 32)).shape
    torch.Size([1, 11, 48, 32])
"""

from __future__ import annotations

import torch
from torch import nn

from thigh_networks.blocks import ConvStage, UpStage
from thigh_networks.checks import check_input_shape, check_topology
from thigh_networks.layers import LEAKY_RELU_SLOPE, layer_classes
from thigh_planner.plans.schema import NetworkTopology


class UNet(nn.Module):
    """U-Net of any stage count for 2D or 3D inputs.

    Args:
        topology: The network as planned (``plans.configuration(name).network``).
        dropout: Channel dropout probability after every norm (0: none, the planned networks' choice).

    Raises:
        ValueError: If the topology is inconsistent (the message lists every problem).
    """

    def __init__(self, topology: NetworkTopology, dropout: float = 0.0):
        super().__init__()
        check_topology(topology)
        self.topology = topology
        t, dims = topology, topology.spatial_dims
        features = t.features_per_stage
        self.encoder = nn.ModuleList(
            ConvStage(
                dims,
                t.in_channels if s == 0 else features[s - 1],
                features[s],
                t.n_conv_per_stage[s],
                t.kernel_sizes[s],
                t.strides[s],
                t.norm,
                t.activation,
                dropout,
            )
            for s in range(t.num_stages)
        )
        # decoder[s] produces the map of stage s (s = 0 is full resolution).
        self.decoder = nn.ModuleList(
            UpStage(
                dims,
                features[s + 1],
                features[s],
                t.n_conv_per_stage_decoder[s],
                t.kernel_sizes[s],
                t.strides[s + 1],
                t.norm,
                t.activation,
                dropout,
            )
            for s in range(t.num_stages - 1)
        )
        conv = layer_classes(dims, t.norm).conv
        head_stages = range(max(t.num_stages - 1, 1)) if t.deep_supervision else range(1)
        self.heads = nn.ModuleList(conv(features[s], t.num_classes, kernel_size=1) for s in head_stages)
        self.apply(_he_init(t.activation))

    def forward(self, x: torch.Tensor) -> torch.Tensor | list[torch.Tensor]:
        """Return the logits of ``x``.

        Args:
            x: ``(B, in_channels, *spatial)``, spatial sizes divisible by ``topology.total_stride``.

        Returns:
            ``(B, num_classes, *spatial)`` logits; in training mode with deep supervision a list
            of logits, one per decoder stage, full resolution first, each half the size of the
            one before along the axes that stage pooled.

        Raises:
            ValueError: If ``x`` has the wrong dimension, channels or a size the stride does not divide.
        """
        t = self.topology
        check_input_shape(x, t.spatial_dims, t.in_channels, t.total_stride)
        skips = []
        for stage in self.encoder:
            x = stage(x)
            skips.append(x)
        supervise = t.deep_supervision and self.training
        outputs: list[torch.Tensor] = []
        for s in reversed(range(len(self.decoder))):
            x = self.decoder[s](x, skips[s])
            if supervise and s < len(self.heads):
                outputs.append(self.heads[s](x))
        if not supervise:
            return self.heads[0](x)
        if not outputs:  # a single-stage network has no decoder
            outputs.append(self.heads[0](x))
        return outputs[::-1]


def _he_init(activation: str):
    """Return a function that He-initialises convolutions (kaiming normal) and zeroes their biases."""
    slope = LEAKY_RELU_SLOPE if activation == "leaky_relu" else 0.0
    kinds = (nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d, nn.ConvTranspose3d)

    def initialise(module: nn.Module) -> None:
        if isinstance(module, kinds):
            nn.init.kaiming_normal_(module.weight, a=slope)
            if module.bias is not None:
                nn.init.zeros_(module.bias)

    return initialise
