"""``plans_from_dict``: read and validate a plans dictionary, reporting every problem at once."""

from __future__ import annotations

from typing import Any

from thigh_planner.normalisation.intensity import NORMALISATIONS
from thigh_planner.plans import consistency
from thigh_planner.plans.errors import PlansError
from thigh_planner.plans.geometry import ORIENTATIONS
from thigh_planner.plans.reader import FieldReader, describe, join
from thigh_planner.plans.schema import (
    ACTIVATIONS,
    CONFIGURATION_NAMES,
    LOSSES,
    LR_SCHEDULES,
    NORMS,
    OPTIMIZERS,
    PRESETS,
    SCHEMA_VERSION,
    WINDOW_SOURCES,
    Augmentation,
    Configuration,
    LrSchedule,
    NetworkTopology,
    Plans,
    TrainingSettings,
)

TOP_LEVEL_KEYS = tuple(Plans.__dataclass_fields__)
CONFIGURATION_KEYS = tuple(Configuration.__dataclass_fields__)
NETWORK_KEYS = tuple(NetworkTopology.__dataclass_fields__)
TRAINING_KEYS = tuple(TrainingSettings.__dataclass_fields__)
AUGMENTATION_KEYS = tuple(Augmentation.__dataclass_fields__)
SCHEDULE_KEYS = tuple(LrSchedule.__dataclass_fields__)


def plans_from_dict(data: Any, source: str = "plans") -> Plans:
    """Validate ``data`` and return the :class:`Plans` it describes.

    Args:
        data: The decoded JSON content.
        source: Where it came from (a file path), for messages.

    Raises:
        PlansError: For a newer schema version, or listing every invalid field with its path.
    """
    _reject_newer_schema(data, source)
    reader = FieldReader()
    top = reader.section(data, "", TOP_LEVEL_KEYS)
    values: dict[str, Any] = {
        "schema_version": reader.integer(top, "schema_version", "", minimum=1),
        "dataset_name": reader.string(top, "dataset_name", ""),
        "preset": reader.string(top, "preset", "", PRESETS),
        "thighseg_version": reader.string(top, "thighseg_version", ""),
        "field_of_view_mm": reader.numbers(top, "field_of_view_mm", "", 3, 0.0, exclusive=True),
        "crop_offset_mm": reader.number(top, "crop_offset_mm", ""),
        "target_spacing_mm": reader.numbers(top, "target_spacing_mm", "", 3, 0.0, exclusive=True),
        "crop_shape": reader.integers(top, "crop_shape", "", 3),
        "window_hu": reader.numbers(top, "window_hu", "", 2),
        "window_source": reader.string(top, "window_source", "", WINDOW_SOURCES),
        "normalisation": reader.string(top, "normalisation", "", NORMALISATIONS),
        "mean_hu": reader.number(top, "mean_hu", ""),
        "std_hu": reader.number(top, "std_hu", "", 0.0, exclusive=True),
        "neighbour_offset_mm": reader.number(top, "neighbour_offset_mm", "", 0.0, exclusive=True),
        "num_input_channels": reader.integer(top, "num_input_channels", "", minimum=1),
        "neighbour_offset_slices": _read_offsets(reader, top),
        "gpu_memory_gb": reader.number(top, "gpu_memory_gb", "", 0.0, exclusive=True),
        "configurations": _read_configurations(reader, top),
    }
    consistency.check_plans(values, reader)
    if reader.problems:
        count = len(reader.problems)
        listing = "\n".join(f"  - {problem}" for problem in reader.problems)
        raise PlansError(
            f"{source} is not valid plans ({count} problem{'s' if count > 1 else ''}); "
            f"fix these fields or re-run thigh_plan to write new plans:\n{listing}"
        )
    return Plans(**values)


def _reject_newer_schema(data: Any, source: str) -> None:
    version = data.get("schema_version") if isinstance(data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        raise PlansError(
            f"{source}: written by a newer thighseg: schema {version} > {SCHEMA_VERSION}; "
            "upgrade thighseg or re-run thigh_plan"
        )


def _read_offsets(reader: FieldReader, top: dict[str, Any] | None) -> dict[str, int] | None:
    path = "neighbour_offset_slices"
    section = reader.section(top[path], path, ORIENTATIONS) if top and path in top else None
    if section is None:
        return None
    values = {o: reader.integer(section, o, path, minimum=1) for o in ORIENTATIONS}
    return None if any(v is None for v in values.values()) else values  # type: ignore[return-value]


def _read_configurations(reader: FieldReader, top: dict[str, Any] | None) -> dict[str, Configuration] | None:
    if top is None or "configurations" not in top:
        return None
    data = top["configurations"]
    if not isinstance(data, dict) or not data:
        reader.problem("configurations", f"expected a non-empty object, found {describe(data)}")
        return None
    result: dict[str, Configuration] = {}
    for name, content in data.items():
        path = join("configurations", str(name))
        if name not in CONFIGURATION_NAMES:
            reader.problem(path, f"unknown configuration; expected one of {', '.join(CONFIGURATION_NAMES)}")
            continue
        configuration = _read_configuration(reader, content, path)
        if configuration is not None:
            result[name] = configuration
    return result  # the valid ones, for the cross-field checks; the others are reported


def _read_configuration(reader: FieldReader, data: Any, path: str) -> Configuration | None:
    before = len(reader.problems)
    section = reader.section(data, path, CONFIGURATION_KEYS)
    orientations = reader.sequence(section, "orientations", path)
    if orientations is not None and not all(isinstance(o, str) for o in orientations):
        reader.problem(join(path, "orientations"), f"expected a list of names, found {orientations!r}")
    values = {
        "orientations": tuple(orientations or ()),
        "network": _read_network(reader, section, join(path, "network")),
        "patch_size": _read_patches(reader, section, join(path, "patch_size")),
        "batch_size": reader.integer(section, "batch_size", path, minimum=1),
        "estimated_memory_gb": reader.number(section, "estimated_memory_gb", path, 0.0),
        "training": _read_training(reader, section, join(path, "training")),
    }
    return Configuration(**values) if len(reader.problems) == before else None


def _read_patches(
    reader: FieldReader, section: dict[str, Any] | None, path: str
) -> dict[str, tuple[int, ...]]:
    data = section.get("patch_size") if section else None
    if section is None or "patch_size" not in section:
        return {}
    if not isinstance(data, dict) or not data:
        reader.problem(path, f"expected an object of patch shapes, found {describe(data)}")
        return {}
    patches = {}
    for key, value in data.items():
        items = reader.check_sequence(value, join(path, str(key)))
        shape = reader.check_integers(items, join(path, str(key))) if items is not None else None
        if shape is not None:
            patches[str(key)] = shape
    return patches


def _read_network(reader: FieldReader, parent: dict[str, Any] | None, path: str) -> NetworkTopology | None:
    if parent is None or "network" not in parent:
        return None
    before = len(reader.problems)
    section = reader.section(parent["network"], path, NETWORK_KEYS)
    values: dict[str, Any] = {
        "spatial_dims": reader.integer(section, "spatial_dims", path, minimum=2),
        "in_channels": reader.integer(section, "in_channels", path, minimum=1),
        "num_classes": reader.integer(section, "num_classes", path, minimum=2),
        "features_per_stage": reader.integers(section, "features_per_stage", path),
        "strides": _read_per_stage(reader, section, "strides", path),
        "kernel_sizes": _read_per_stage(reader, section, "kernel_sizes", path),
        "n_conv_per_stage": reader.integers(section, "n_conv_per_stage", path),
        "n_conv_per_stage_decoder": reader.integers(section, "n_conv_per_stage_decoder", path),
        "num_skip_connections": reader.integer(section, "num_skip_connections", path, minimum=0),
        "norm": reader.string(section, "norm", path, NORMS),
        "activation": reader.string(section, "activation", path, ACTIVATIONS),
        "deep_supervision": reader.boolean(section, "deep_supervision", path),
    }
    return NetworkTopology(**values) if len(reader.problems) == before else None


def _read_per_stage(
    reader: FieldReader, section: dict[str, Any] | None, key: str, path: str
) -> tuple[tuple[int, ...], ...] | None:
    stages = reader.sequence(section, key, path)
    if stages is None:
        return None
    rows = []
    for index, row in enumerate(stages):
        items = reader.check_sequence(row, f"{join(path, key)}[{index}]")
        rows.append(
            reader.check_integers(items, f"{join(path, key)}[{index}]") if items is not None else None
        )
    return None if any(row is None for row in rows) else tuple(rows)  # type: ignore[arg-type]


def _read_training(reader: FieldReader, parent: dict[str, Any] | None, path: str) -> TrainingSettings | None:
    if parent is None or "training" not in parent:
        return None
    before = len(reader.problems)
    section = reader.section(parent["training"], path, TRAINING_KEYS)
    schedule_path, augmentation_path = join(path, "lr_schedule"), join(path, "augmentation")
    schedule = (
        reader.section(section["lr_schedule"], schedule_path, SCHEDULE_KEYS)
        if section and "lr_schedule" in section
        else None
    )
    augmentation = (
        reader.section(section["augmentation"], augmentation_path, AUGMENTATION_KEYS)
        if section and "augmentation" in section
        else None
    )
    values: dict[str, Any] = {
        "optimizer": reader.string(section, "optimizer", path, OPTIMIZERS),
        "learning_rate": reader.number(section, "learning_rate", path, 0.0, exclusive=True),
        "betas": reader.numbers(section, "betas", path, 2, 0.0),
        "weight_decay": reader.number(section, "weight_decay", path, 0.0),
        "lr_schedule": LrSchedule(
            reader.string(schedule, "kind", schedule_path, LR_SCHEDULES),  # type: ignore[arg-type]
            reader.number(schedule, "decay", schedule_path, 0.0),  # type: ignore[arg-type]
        ),
        "loss": reader.string(section, "loss", path, LOSSES),
        "epochs": reader.integer(section, "epochs", path, minimum=1),
        "iterations_per_epoch": reader.integer(section, "iterations_per_epoch", path, minimum=1),
        "augmentation": Augmentation(
            scale=reader.numbers(augmentation, "scale", augmentation_path, 2, 0.0, exclusive=True),  # type: ignore[arg-type]
            shift_px=reader.number(augmentation, "shift_px", augmentation_path, 0.0),  # type: ignore[arg-type]
            rotation_deg=reader.number(augmentation, "rotation_deg", augmentation_path, 0.0, maximum=180.0),  # type: ignore[arg-type]
            **{flag: reader.boolean(augmentation, flag, augmentation_path) for flag in AUGMENTATION_KEYS[3:]},  # type: ignore[arg-type]
        ),
        "oversample_foreground": reader.number(section, "oversample_foreground", path, 0.0, maximum=1.0),
    }
    return TrainingSettings(**values) if len(reader.problems) == before else None
