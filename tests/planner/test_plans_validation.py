import copy

import pytest

from thigh_planner.plans import FingerprintSummary, PlansError, build_plans, plans_from_dict

SUMMARY = FingerprintSummary(24, (0.8, 0.8, 2.0), {"0.5": -60.0, "99.5": 140.0}, 50.0, 25.0, 420.0)
VALID = build_plans(SUMMARY, "Dataset001_Thigh", preset="paper").to_dict()


def _set(path, value):
    def mutate(data):
        *parents, last = path
        for key in parents:
            data = data[key]
        data[last] = value

    return mutate


def _delete(path):
    def mutate(data):
        *parents, last = path
        for key in parents:
            data = data[key]
        del data[last]

    return mutate


def _add_config(data):
    data["configurations"]["4d"] = copy.deepcopy(data["configurations"]["3d"])


CASES = {
    "window reversed": (_set(["window_hu"], [250, -100]), "window_hu: expected low < high"),
    "window length": (_set(["window_hu"], [-100]), "window_hu: expected a list of 2 items"),
    "negative spacing": (
        _set(["target_spacing_mm", 0], -2.0),
        r"target_spacing_mm\[0\]: expected a number > 0",
    ),
    "zero fov": (_set(["field_of_view_mm", 2], 0), r"field_of_view_mm\[2\]"),
    "unknown config": (_add_config, "configurations.4d: unknown configuration"),
    "unknown top key": (_set(["foo"], 1), "foo: unknown key"),
    "unknown nested key": (
        _set(["configurations", "2d5", "training", "momentum"], 0.9),
        "configurations.2d5.training.momentum: unknown key",
    ),
    "missing lr": (
        _delete(["configurations", "2d5", "training", "learning_rate"]),
        "configurations.2d5.training.learning_rate: missing",
    ),
    "missing top": (_delete(["crop_shape"]), "crop_shape: missing"),
    "missing augmentation flag": (
        _delete(["configurations", "2d", "training", "augmentation", "gamma"]),
        "configurations.2d.training.augmentation.gamma: missing",
    ),
    "epochs as string": (
        _set(["configurations", "2d", "training", "epochs"], "100"),
        "configurations.2d.training.epochs",
    ),
    "epochs zero": (
        _set(["configurations", "2d", "training", "epochs"], 0),
        "configurations.2d.training.epochs",
    ),
    "lr zero": (
        _set(["configurations", "3d", "training", "learning_rate"], 0.0),
        "configurations.3d.training.learning_rate",
    ),
    "batch zero": (_set(["configurations", "3d", "batch_size"], 0), "configurations.3d.batch_size"),
    "batch bool": (_set(["configurations", "3d", "batch_size"], True), "configurations.3d.batch_size"),
    "crop inconsistent": (_set(["crop_shape"], [128, 128, 180]), r"crop_shape: expected \[180, 128, 128\]"),
    "offsets inconsistent": (
        _set(["neighbour_offset_slices", "axial"], 3),
        "neighbour_offset_slices: expected",
    ),
    "unknown norm": (
        _set(["configurations", "2d5", "network", "norm"], "group"),
        "configurations.2d5.network.norm",
    ),
    "unknown preset": (_set(["preset"], "nnunet"), "preset: expected one of default, paper"),
    "unknown loss": (
        _set(["configurations", "2d", "training", "loss"], "focal"),
        "configurations.2d.training.loss",
    ),
    "unknown schedule": (
        _set(["configurations", "2d", "training", "lr_schedule", "kind"], "step"),
        "configurations.2d.training.lr_schedule.kind",
    ),
    "beta of one": (
        _set(["configurations", "2d", "training", "betas"], [0.9, 1.0]),
        "configurations.2d.training.betas",
    ),
    "scale reversed": (
        _set(["configurations", "2d", "training", "augmentation", "scale"], [1.1, 0.9]),
        "configurations.2d.training.augmentation.scale",
    ),
    "oversample above one": (
        _set(["configurations", "2d", "training", "oversample_foreground"], 1.5),
        "configurations.2d.training.oversample_foreground",
    ),
    "patch not divisible": (
        _set(["configurations", "2d5", "patch_size", "coronal"], [182, 128]),
        "configurations.2d5.patch_size.coronal: expected every size divisible",
    ),
    "patch missing orientation": (
        _delete(["configurations", "2d5", "patch_size", "sagittal"]),
        "configurations.2d5.patch_size: expected keys",
    ),
    "skips inconsistent": (
        _set(["configurations", "2d", "network", "num_skip_connections"], 3),
        "configurations.2d.network.num_skip_connections: expected 2",
    ),
    "strides wrong dims": (
        _set(["configurations", "2d", "network", "strides", 1], [2, 2, 2]),
        r"configurations.2d.network.strides\[1\]: expected 2 values",
    ),
    "orientations wrong": (
        _set(["configurations", "2d", "orientations"], ["coronal"]),
        "configurations.2d.orientations",
    ),
    "in_channels wrong": (
        _set(["configurations", "3d", "network", "in_channels"], 3),
        "configurations.3d.network.in_channels",
    ),
    "num_classes wrong": (
        _set(["configurations", "3d", "network", "num_classes"], 4),
        "configurations.3d.network.num_classes",
    ),
    "configurations empty": (_set(["configurations"], {}), "configurations: expected a non-empty object"),
    "std zero": (_set(["std_hu"], 0), "std_hu: expected a number > 0"),
    "schema zero": (_set(["schema_version"], 0), "schema_version"),
    "newer schema": (
        _set(["schema_version"], 3),
        "written by a newer thighseg: schema 3 > 1; upgrade thighseg or re-run thigh_plan",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_invalid_field_is_named(case):
    mutate, expected = CASES[case]
    data = copy.deepcopy(VALID)
    mutate(data)
    with pytest.raises(PlansError, match=expected):
        plans_from_dict(data)


def test_valid_plans_load():
    assert plans_from_dict(copy.deepcopy(VALID)).to_dict() == VALID


def test_all_problems_listed_at_once():
    data = copy.deepcopy(VALID)
    data["window_hu"] = "wide"
    del data["configurations"]["2d"]["training"]["epochs"]
    data["configurations"]["3d"]["network"]["activation"] = "gelu"
    with pytest.raises(PlansError) as error:
        plans_from_dict(data, source="x/plans.json")
    message = str(error.value)
    assert message.startswith("x/plans.json is not valid plans (3 problems)")
    for path in ("window_hu", "configurations.2d.training.epochs", "configurations.3d.network.activation"):
        assert f"  - {path}:" in message


@pytest.mark.parametrize("data", [[], "plans", None])
def test_not_an_object(data):
    with pytest.raises(PlansError, match="expected an object"):
        plans_from_dict(data)
