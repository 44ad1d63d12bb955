"""Typed, frozen dataclasses for ``plans.json`` (schema version 1).

Every field is documented in ``documentation/plans.md``. Build plans with
:func:`thigh_planner.plans.build_plans`, read them with
:func:`thigh_planner.plans.load_plans`; :func:`thigh_planner.plans.parsing.plans_from_dict`
(the one way from a dictionary to plans) validates everything and reports all problems at
once, each with its field path.

Example:
    >>> from thigh_planner.plans import FingerprintSummary, build_plans
    >>> summary = FingerprintSummary(24, (0.8, 0.8, 2.0), {"0.5": -60.0, "99.5": 140.0}, 50.0, 25.0, 420.0)
    >>> plans = build_plans(summary, "Dataset001_Thigh", preset="paper")
    >>> plans.configuration("2d5").network.num_skip_connections
    2
    >>> from thigh_planner.plans import plans_from_dict
    >>> plans_from_dict(plans.to_dict()) == plans
    True
"""

from __future__ import annotations

import dataclasses
from typing import Any

from thigh_planner.plans.errors import PlansError

SCHEMA_VERSION = 1
PRESETS: tuple[str, ...] = ("default", "paper")
CONFIGURATION_NAMES: tuple[str, ...] = ("2d", "2d5", "3d")
CONFIGURATION_ORIENTATIONS: dict[str, tuple[str, ...]] = {
    "2d": ("axial",),
    "2d5": ("axial", "coronal", "sagittal"),
    "3d": (),
}
VOLUME_NETWORK = "volume"
"""Name of the single network of the ``3d`` configuration: its folder under ``fold_F``, and the
key of its 3D patch in ``Configuration.patch_size``."""
WINDOW_SOURCES: tuple[str, ...] = ("fingerprint", "paper", "override")
NORMS: tuple[str, ...] = ("instance", "batch")
ACTIVATIONS: tuple[str, ...] = ("leaky_relu", "relu")
OPTIMIZERS: tuple[str, ...] = ("adam", "adamw", "sgd")
LR_SCHEDULES: tuple[str, ...] = ("inverse_time", "poly", "cosine", "constant")
LOSSES: tuple[str, ...] = ("dice", "dice_ce")


@dataclasses.dataclass(frozen=True)
class NetworkTopology:
    """A U-Net: one entry per resolution stage (stage 0 is full resolution).

    Attributes:
        spatial_dims: 2 or 3.
        in_channels: Input channels (3 neighbour slices for 2D, 1 for 3D).
        num_classes: Output channels (11: background and ten muscles).
        features_per_stage: Feature maps per stage.
        strides: Per stage, the stride of its first convolution per axis (stage 0: all 1).
        kernel_sizes: Per stage, the convolution kernel size per axis.
        n_conv_per_stage: Convolutions per encoder stage.
        n_conv_per_stage_decoder: Convolutions per decoder stage (one fewer stage than the encoder).
        num_skip_connections: Encoder-to-decoder skips, ``num_stages - 1``.
        norm: ``"instance"`` or ``"batch"``.
        activation: ``"leaky_relu"`` or ``"relu"``.
        deep_supervision: Whether lower decoder stages get a segmentation head and loss too.
    """

    spatial_dims: int
    in_channels: int
    num_classes: int
    features_per_stage: tuple[int, ...]
    strides: tuple[tuple[int, ...], ...]
    kernel_sizes: tuple[tuple[int, ...], ...]
    n_conv_per_stage: tuple[int, ...]
    n_conv_per_stage_decoder: tuple[int, ...]
    num_skip_connections: int
    norm: str
    activation: str
    deep_supervision: bool

    @property
    def num_stages(self) -> int:
        """Number of resolution stages."""
        return len(self.features_per_stage)

    @property
    def total_stride(self) -> tuple[int, ...]:
        """Product of the strides per axis: a patch must be divisible by it."""
        total = [1] * self.spatial_dims
        for stage in self.strides:
            total = [t * s for t, s in zip(total, stage, strict=True)]
        return tuple(total)


@dataclasses.dataclass(frozen=True)
class LrSchedule:
    """Learning-rate schedule.

    Attributes:
        kind: ``"inverse_time"``: ``lr = lr0 / (1 + decay * iteration)`` (Keras' ``decay``);
            ``"poly"``: ``lr0 * (1 - progress) ** 0.9`` (nnU-Net's); ``"cosine"``:
            ``lr0 * (1 + cos(pi * progress)) / 2``; ``"constant"``: ``lr = lr0``. ``progress``
            is the share of the planned steps (or of the time budget, if larger) done.
        decay: The inverse-time decay per iteration (ignored by the other kinds).
    """

    kind: str
    decay: float


@dataclasses.dataclass(frozen=True)
class Augmentation:
    """Data augmentation applied while training.

    Attributes:
        scale: Random zoom range ``(low, high)``.
        shift_px: Maximum random shift in pixels (voxels) per axis.
        rotation_deg: Maximum random in-plane rotation in degrees.
        noise, blur, brightness, contrast, gamma: nnU-Net's intensity augmentations on or off.
        mirror: Random left-right mirroring (off: left legs are mirrored already).
    """

    scale: tuple[float, float]
    shift_px: float
    rotation_deg: float
    noise: bool
    blur: bool
    brightness: bool
    contrast: bool
    gamma: bool
    mirror: bool


@dataclasses.dataclass(frozen=True)
class TrainingSettings:
    """Optimiser, loss, schedule and augmentation of one configuration."""

    optimizer: str
    learning_rate: float
    betas: tuple[float, float]
    weight_decay: float
    lr_schedule: LrSchedule
    loss: str
    epochs: int
    iterations_per_epoch: int
    augmentation: Augmentation
    oversample_foreground: float


@dataclasses.dataclass(frozen=True)
class Configuration:
    """One trainable configuration (``2d``, ``2d5`` or ``3d``).

    Attributes:
        orientations: Slice orientations with one network each (``3d``: none, one volume network).
        network: The U-Net topology, shared by all orientations.
        patch_size: Per orientation the 2D patch; for ``3d`` the key ``"volume"`` with (z, y, x).
        batch_size: Samples per training iteration.
        estimated_memory_gb: Estimated training memory of the largest patch at this batch size.
        training: Training settings.
    """

    orientations: tuple[str, ...]
    network: NetworkTopology
    patch_size: dict[str, tuple[int, ...]]
    batch_size: int
    estimated_memory_gb: float
    training: TrainingSettings

    @property
    def network_names(self) -> tuple[str, ...]:
        """The networks of each fold: one per orientation, or ``volume`` for ``3d``."""
        return self.orientations or (VOLUME_NETWORK,)


@dataclasses.dataclass(frozen=True)
class Plans:
    """The content of ``plans.json``; see ``documentation/plans.md`` for every field."""

    schema_version: int
    dataset_name: str
    preset: str
    thighseg_version: str
    field_of_view_mm: tuple[float, float, float]
    crop_offset_mm: float
    target_spacing_mm: tuple[float, float, float]
    crop_shape: tuple[int, int, int]
    window_hu: tuple[float, float]
    window_source: str
    normalisation: str
    mean_hu: float
    std_hu: float
    neighbour_offset_mm: float
    num_input_channels: int
    neighbour_offset_slices: dict[str, int]
    gpu_memory_gb: float
    configurations: dict[str, Configuration]

    def configuration(self, name: str) -> Configuration:
        """Return the configuration ``name``.

        Raises:
            PlansError: If the plans hold no such configuration; the message lists those available.
        """
        if name not in self.configurations:
            available = ", ".join(self.configurations) or "none"
            raise PlansError(
                f"configuration {name!r} is not in the plans of {self.dataset_name!r}; "
                f"available: {available}. Choose one of those, or re-run thigh_plan."
            )
        return self.configurations[name]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready dictionary (tuples become lists)."""
        return _jsonable(dataclasses.asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value
