"""The layer classes of a 2D or a 3D network, chosen once by ``spatial_dims``.

One table instead of two copies of every network: a block asks
:func:`layer_classes` for its convolution, transposed convolution, norm and
dropout classes, and :func:`make_activation` for its non-linearity.

Example:
    >>> layer_classes(3).conv.__name__, layer_classes(2, "batch").norm.__name__
    ('Conv3d', 'BatchNorm2d')
"""

from __future__ import annotations

import dataclasses

from torch import nn

LEAKY_RELU_SLOPE = 1e-2
"""Negative slope of the leaky ReLU (nnU-Net's), also used by the He initialisation."""
NORMS: tuple[str, ...] = ("instance", "batch")
ACTIVATIONS: tuple[str, ...] = ("leaky_relu", "relu")


@dataclasses.dataclass(frozen=True)
class LayerClasses:
    """The ``torch.nn`` classes of one spatial dimension.

    Attributes:
        conv: ``nn.Conv2d`` or ``nn.Conv3d``.
        transposed_conv: ``nn.ConvTranspose2d`` or ``nn.ConvTranspose3d``.
        norm: Instance or batch norm of that dimension.
        dropout: ``nn.Dropout2d`` or ``nn.Dropout3d``.
    """

    conv: type[nn.Module]
    transposed_conv: type[nn.Module]
    norm: type[nn.Module]
    dropout: type[nn.Module]


_CONV = {2: nn.Conv2d, 3: nn.Conv3d}
_TRANSPOSED = {2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}
_DROPOUT = {2: nn.Dropout2d, 3: nn.Dropout3d}
_NORM = {
    ("instance", 2): nn.InstanceNorm2d,
    ("instance", 3): nn.InstanceNorm3d,
    ("batch", 2): nn.BatchNorm2d,
    ("batch", 3): nn.BatchNorm3d,
}


def layer_classes(spatial_dims: int, norm: str = "instance") -> LayerClasses:
    """Return the layer classes for ``spatial_dims`` (2 or 3) and the norm ``norm``.

    Raises:
        ValueError: If ``spatial_dims`` is not 2 or 3, or ``norm`` is unknown.
    """
    if spatial_dims not in _CONV:
        raise ValueError(f"spatial_dims must be 2 or 3, got {spatial_dims!r}")
    if norm not in NORMS:
        raise ValueError(f"unknown norm {norm!r}; expected one of {', '.join(NORMS)}")
    return LayerClasses(
        conv=_CONV[spatial_dims],
        transposed_conv=_TRANSPOSED[spatial_dims],
        norm=_NORM[(norm, spatial_dims)],
        dropout=_DROPOUT[spatial_dims],
    )


def make_activation(name: str) -> nn.Module:
    """Return a fresh in-place activation: ``"leaky_relu"`` (slope 0.01) or ``"relu"``.

    Raises:
        ValueError: If ``name`` is unknown.
    """
    if name == "leaky_relu":
        return nn.LeakyReLU(LEAKY_RELU_SLOPE, inplace=True)
    if name == "relu":
        return nn.ReLU(inplace=True)
    raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}")
