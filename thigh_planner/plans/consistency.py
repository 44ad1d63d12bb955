"""Cross-field checks of plans whose fields each have a valid type and range."""

from __future__ import annotations

from typing import Any

from thigh_common.labels import NUM_CLASSES
from thigh_planner.plans.geometry import crop_shape_from, neighbour_offset_slices_from
from thigh_planner.plans.reader import FieldReader, join
from thigh_planner.plans.schema import (
    CONFIGURATION_ORIENTATIONS,
    Configuration,
    NetworkTopology,
)

NUM_INPUT_CHANNELS = 3
"""The centre slice and its two neighbours."""


def check_plans(values: dict[str, Any], reader: FieldReader) -> None:
    """Record in ``reader`` every inconsistency between the fields of ``values``.

    Args:
        values: Field name to the value read for it, None where the field itself was invalid
            (checks that need it are skipped); ``configurations`` holds the valid ones.
        reader: Collects the problems.
    """
    window = values["window_hu"]
    if window is not None and not window[0] < window[1]:
        reader.problem("window_hu", f"expected low < high, found [{window[0]:g}, {window[1]:g}]")
    field_of_view, spacing, crop = (
        values["field_of_view_mm"],
        values["target_spacing_mm"],
        values["crop_shape"],
    )
    if field_of_view is not None and spacing is not None and crop is not None:
        expected_crop = crop_shape_from(field_of_view, spacing)
        if tuple(crop) != expected_crop:
            reader.problem(
                "crop_shape",
                f"expected {list(expected_crop)} (field_of_view_mm / target_spacing_mm, rounded, in (z, y, x) "
                f"order), found {list(crop)}; crop_shape is derived, do not edit it by hand",
            )
    offset_mm, offsets = values["neighbour_offset_mm"], values["neighbour_offset_slices"]
    if offset_mm is not None and spacing is not None and offsets is not None:
        expected_offsets = neighbour_offset_slices_from(offset_mm, spacing)
        if offsets != expected_offsets:
            reader.problem(
                "neighbour_offset_slices",
                f"expected {expected_offsets} (neighbour_offset_mm / spacing along each slice normal), "
                f"found {offsets}; it is derived, do not edit it by hand",
            )
    channels = values["num_input_channels"]
    if channels is not None and channels != NUM_INPUT_CHANNELS:
        reader.problem(
            "num_input_channels",
            f"expected {NUM_INPUT_CHANNELS} (slice and two neighbours), found {channels}",
        )
    for name, configuration in (values["configurations"] or {}).items():
        _check_configuration(name, configuration, NUM_INPUT_CHANNELS, reader)


def _check_configuration(
    name: str, configuration: Configuration, in_channels: int, reader: FieldReader
) -> None:
    path = join("configurations", name)
    expected_orientations = CONFIGURATION_ORIENTATIONS[name]
    if configuration.orientations != expected_orientations:
        reader.problem(
            join(path, "orientations"),
            f"expected {list(expected_orientations)} for configuration {name}, found {list(configuration.orientations)}",
        )
    network = configuration.network
    spatial_dims = 3 if name == "3d" else 2
    expected = {
        "spatial_dims": spatial_dims,
        "in_channels": 1 if name == "3d" else in_channels,
        "num_classes": NUM_CLASSES,
    }
    for field, value in expected.items():
        if getattr(network, field) != value:
            reader.problem(
                join(path, f"network.{field}"), f"expected {value}, found {getattr(network, field)}"
            )
    _check_network(network, spatial_dims, join(path, "network"), reader)
    _check_patches(configuration, spatial_dims, path, reader)
    training, training_path = configuration.training, join(path, "training")
    if not all(0.0 <= beta < 1.0 for beta in training.betas):
        reader.problem(
            join(training_path, "betas"), f"expected two numbers in [0, 1), found {list(training.betas)}"
        )
    scale = training.augmentation.scale
    if scale[0] > scale[1]:
        reader.problem(
            join(training_path, "augmentation.scale"),
            f"expected [low, high] with low <= high, found {list(scale)}",
        )


def _check_network(network: NetworkTopology, spatial_dims: int, path: str, reader: FieldReader) -> None:
    stages = len(network.features_per_stage)
    for field in ("strides", "kernel_sizes", "n_conv_per_stage"):
        if len(getattr(network, field)) != stages:
            reader.problem(
                join(path, field),
                f"expected one entry per stage ({stages}), found {len(getattr(network, field))}",
            )
    for field in ("strides", "kernel_sizes"):
        for index, row in enumerate(getattr(network, field)):
            if len(row) != spatial_dims:
                reader.problem(
                    f"{join(path, field)}[{index}]", f"expected {spatial_dims} values, found {list(row)}"
                )
    if len(network.n_conv_per_stage_decoder) != stages - 1:
        reader.problem(
            join(path, "n_conv_per_stage_decoder"),
            f"expected {stages - 1} entries (stages - 1), found {len(network.n_conv_per_stage_decoder)}",
        )
    if network.num_skip_connections != stages - 1:
        reader.problem(
            join(path, "num_skip_connections"),
            f"expected {stages - 1} (stages - 1), found {network.num_skip_connections}",
        )


def _check_patches(configuration: Configuration, spatial_dims: int, path: str, reader: FieldReader) -> None:
    expected_keys = list(configuration.network_names)
    patch_path = join(path, "patch_size")
    if sorted(configuration.patch_size) != sorted(expected_keys):
        reader.problem(patch_path, f"expected keys {expected_keys}, found {list(configuration.patch_size)}")
    network = configuration.network
    if any(len(row) != spatial_dims for row in network.strides):
        return
    total = network.total_stride
    for key, shape in configuration.patch_size.items():
        if len(shape) != spatial_dims:
            reader.problem(join(patch_path, key), f"expected {spatial_dims} values, found {list(shape)}")
        elif any(size % stride for size, stride in zip(shape, total, strict=True)):
            reader.problem(
                join(patch_path, key),
                f"expected every size divisible by the network's total stride {list(total)}, found {list(shape)}",
            )
