"""The two presets: ``default`` (nnU-Net style, from the fingerprint) and ``paper`` (the paper's settings).

Example:
    >>> get_preset("paper").rule_2d.max_stages
    3
"""

from __future__ import annotations

import dataclasses

from thigh_planner.plans.errors import PlansError
from thigh_planner.plans.schema import Augmentation, LrSchedule, TrainingSettings
from thigh_planner.plans.topology import TopologyRule


@dataclasses.dataclass(frozen=True)
class Preset:
    """Planning choices that are not derived from the dataset.

    Attributes:
        name: ``"default"`` or ``"paper"``.
        field_of_view_mm: Leg crop (x, y, z) in mm; z is replaced by the labels' extent along the
            femur (plus margins) when ``fit_extent_to_labels`` and the fingerprint knows that extent.
        fit_extent_to_labels: Size and centre the crop along the femur on the muscle labels.
        extent_margin_mm: Margin added at both ends of the labels' extent.
        extent_rounding_mm: The crop's length along the femur is rounded up to a multiple of this.
        target_spacing_mm: Fixed crop spacing (x, y, z), or None to take
            ``max(spacing_floor_mm, median spacing)`` per axis from the fingerprint.
        spacing_floor_mm: Finest spacing used when the spacing comes from the fingerprint.
        window_hu: Fixed HU window, or None for the fingerprint's muscle percentiles +- ``window_margin_hu``.
        window_margin_hu: Margin added below p0.5 and above p99.5 of muscle HU.
        window_rounding_hu: The fingerprint window is rounded outward to a multiple of this.
        normalisation: ``"zscore"`` or ``"minmax"``.
        neighbour_offset_mm: Distance of the neighbour slices.
        rule_2d: Topology rule of ``2d`` and ``2d5``.
        rule_3d: Topology rule of ``3d``.
        batch_2d: ``(min, max)`` batch size of 2D configurations.
        batch_3d: ``(min, max)`` batch size of ``3d``.
        max_batch_fraction: A batch covers at most this fraction of the training samples
            (slices for 2D, legs for 3D), but never less than the minimum batch.
        training: Training settings of every configuration.
    """

    name: str
    field_of_view_mm: tuple[float, float, float]
    fit_extent_to_labels: bool
    extent_margin_mm: float
    extent_rounding_mm: float
    target_spacing_mm: tuple[float, float, float] | None
    spacing_floor_mm: tuple[float, float, float]
    window_hu: tuple[float, float] | None
    window_margin_hu: float
    window_rounding_hu: float
    normalisation: str
    neighbour_offset_mm: float
    rule_2d: TopologyRule
    rule_3d: TopologyRule
    batch_2d: tuple[int, int]
    batch_3d: tuple[int, int]
    max_batch_fraction: float
    training: TrainingSettings


PAPER_FIELD_OF_VIEW_MM = (256.0, 256.0, 360.0)
PAPER_SPACING_MM = (2.0, 2.0, 2.0)
PAPER_WINDOW_HU = (-100.0, 250.0)
"""The paper prints "100 HU to 250 HU"; muscle is +35..+65 HU, so -100..250 is meant."""


def _training(loss: str, intensity_augmentation: bool, oversample_foreground: float) -> TrainingSettings:
    """The paper's training settings (Adam 1e-4, inverse-time decay 1e-3, 100 epochs)."""
    flags = dict.fromkeys(("noise", "blur", "brightness", "contrast", "gamma"), intensity_augmentation)
    return TrainingSettings(
        optimizer="adam",
        learning_rate=1e-4,
        betas=(0.9, 0.999),
        weight_decay=0.0,
        lr_schedule=LrSchedule(kind="inverse_time", decay=1e-3),
        loss=loss,
        epochs=100,
        iterations_per_epoch=250,
        augmentation=Augmentation(scale=(0.9, 1.1), shift_px=10.0, rotation_deg=20.0, mirror=False, **flags),
        oversample_foreground=oversample_foreground,
    )


DEFAULT_TRAINING = dataclasses.replace(
    _training("dice_ce", intensity_augmentation=True, oversample_foreground=0.33),
    learning_rate=3e-3,
    lr_schedule=LrSchedule(kind="poly", decay=0.0),
)
"""Measured with ``benchmarks/bench_learning.py`` and a screen of recipes (``documentation/accuracy.md``):
Dice + cross-entropy, Adam at 3e-3 with nnU-Net's poly decay (over the planned steps, or over
the time budget when that ends first) beat the paper's Adam 1e-4 with inverse-time decay,
Adam 1e-3, and SGD with Nesterov momentum at 1e-2 at equal CPU time."""

DEFAULT_RULE = TopologyRule(16, 256, 5, 4, 2, "instance", "leaky_relu", True)
"""The default U-Net of every configuration: five stages of 16-256 features (see accuracy.md)."""

DEFAULT = Preset(
    name="default",
    field_of_view_mm=PAPER_FIELD_OF_VIEW_MM,
    fit_extent_to_labels=True,
    extent_margin_mm=10.0,
    extent_rounding_mm=16.0,
    target_spacing_mm=None,
    spacing_floor_mm=PAPER_SPACING_MM,
    window_hu=None,
    window_margin_hu=100.0,
    window_rounding_hu=10.0,
    normalisation="zscore",
    neighbour_offset_mm=4.0,
    rule_2d=DEFAULT_RULE,
    rule_3d=DEFAULT_RULE,  # the same U-Net in 3D: the paper's comparison is of dimensions, not sizes
    batch_2d=(2, 16),
    batch_3d=(2, 16),
    max_batch_fraction=0.05,
    training=DEFAULT_TRAINING,
)

PAPER = Preset(
    name="paper",
    field_of_view_mm=PAPER_FIELD_OF_VIEW_MM,
    fit_extent_to_labels=False,
    extent_margin_mm=0.0,
    extent_rounding_mm=1.0,
    target_spacing_mm=PAPER_SPACING_MM,
    spacing_floor_mm=PAPER_SPACING_MM,
    window_hu=PAPER_WINDOW_HU,
    window_margin_hu=100.0,
    window_rounding_hu=10.0,
    normalisation="minmax",
    neighbour_offset_mm=4.0,
    rule_2d=TopologyRule(32, 128, 3, 4, 2, "batch", "relu", False),
    rule_3d=TopologyRule(32, 128, 3, 4, 2, "batch", "relu", False),
    batch_2d=(2, 64),
    batch_3d=(2, 16),
    max_batch_fraction=0.05,
    training=_training("dice", intensity_augmentation=False, oversample_foreground=0.0),
)

_PRESETS = {"default": DEFAULT, "paper": PAPER}


def get_preset(name: str) -> Preset:
    """Return the preset ``name``.

    Raises:
        PlansError: For an unknown name; the message lists the presets.
    """
    if name not in _PRESETS:
        raise PlansError(f"unknown preset {name!r}; expected one of {', '.join(_PRESETS)}")
    return _PRESETS[name]
