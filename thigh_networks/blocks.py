"""Convolution stages: conv -> norm -> activation, stacked.

Example:
    >>> import torch
    >>> stage = ConvStage(2, 3, 8, count=2, kernel_size=(3, 3), stride=(2, 2))
    >>> stage(torch.zeros(1, 3, 16, 12)).shape
    torch.Size([1, 8, 8, 6])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from thigh_networks.layers import layer_classes, make_activation


class ConvNormAct(nn.Sequential):
    """One convolution (with bias, "same" padding), an affine norm, optional dropout, an activation.

    Args:
        spatial_dims: 2 or 3.
        in_channels: Input channels.
        out_channels: Output channels.
        kernel_size: Kernel size per axis (odd sizes keep the map size at stride 1).
        stride: Stride per axis.
        norm: ``"instance"`` or ``"batch"``.
        activation: ``"leaky_relu"`` or ``"relu"``.
        dropout: Channel dropout probability after the norm (0: none).
    """

    def __init__(
        self,
        spatial_dims: int,
        in_channels: int,
        out_channels: int,
        kernel_size: Sequence[int],
        stride: Sequence[int],
        norm: str = "instance",
        activation: str = "leaky_relu",
        dropout: float = 0.0,
    ):
        classes = layer_classes(spatial_dims, norm)
        layers: list[nn.Module] = [
            classes.conv(
                in_channels,
                out_channels,
                kernel_size=tuple(kernel_size),
                stride=tuple(stride),
                padding=tuple(k // 2 for k in kernel_size),
                bias=True,
            ),
            classes.norm(out_channels, affine=True),
        ]
        if dropout > 0:
            layers.append(classes.dropout(dropout))
        layers.append(make_activation(activation))
        super().__init__(*layers)


class ConvStage(nn.Sequential):
    """``count`` :class:`ConvNormAct` blocks; only the first changes channels and applies ``stride``.

    Args:
        spatial_dims: 2 or 3.
        in_channels: Input channels of the first convolution.
        out_channels: Output channels of every convolution.
        count: Number of convolutions (at least 1).
        kernel_size: Kernel size per axis.
        stride: Stride per axis of the first convolution.
        norm: ``"instance"`` or ``"batch"``.
        activation: ``"leaky_relu"`` or ``"relu"``.
        dropout: Channel dropout probability in every block.
    """

    def __init__(
        self,
        spatial_dims: int,
        in_channels: int,
        out_channels: int,
        count: int,
        kernel_size: Sequence[int],
        stride: Sequence[int],
        norm: str = "instance",
        activation: str = "leaky_relu",
        dropout: float = 0.0,
    ):
        if count < 1:
            raise ValueError(f"a convolution stage needs at least 1 convolution, got {count}")
        ones = (1,) * spatial_dims
        super().__init__(
            *(
                ConvNormAct(
                    spatial_dims,
                    in_channels if index == 0 else out_channels,
                    out_channels,
                    kernel_size,
                    stride if index == 0 else ones,
                    norm,
                    activation,
                    dropout,
                )
                for index in range(count)
            )
        )


class UpStage(nn.Module):
    """Decoder stage: transposed-conv upsampling (kernel = stride), concatenation with the skip, convs.

    Args:
        spatial_dims: 2 or 3.
        in_channels: Channels of the coarser map coming up.
        skip_channels: Channels of the skip (also the channels of the upsampled map and the output).
        count: Convolutions after the concatenation.
        kernel_size: Kernel size per axis of those convolutions.
        stride: Upsampling factor per axis (the stride of the encoder stage below).
        norm: ``"instance"`` or ``"batch"``.
        activation: ``"leaky_relu"`` or ``"relu"``.
        dropout: Channel dropout probability in every block.
    """

    def __init__(
        self,
        spatial_dims: int,
        in_channels: int,
        skip_channels: int,
        count: int,
        kernel_size: Sequence[int],
        stride: Sequence[int],
        norm: str = "instance",
        activation: str = "leaky_relu",
        dropout: float = 0.0,
    ):
        super().__init__()
        transposed = layer_classes(spatial_dims, norm).transposed_conv
        self.upsample = transposed(
            in_channels, skip_channels, kernel_size=tuple(stride), stride=tuple(stride), bias=True
        )
        self.convs = ConvStage(
            spatial_dims,
            2 * skip_channels,
            skip_channels,
            count,
            kernel_size,
            (1,) * spatial_dims,
            norm,
            activation,
            dropout,
        )

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        """Return the decoded map at the skip's resolution, ``(B, skip_channels, *skip.shape[2:])``."""
        return self.convs(torch.cat([skip, self.upsample(x)], dim=1))
