import pytest

from thigh_planner.plans import FingerprintSummary, PlansError, build_plans, with_overrides

SUMMARY = FingerprintSummary(
    num_cases=24,
    median_spacing_mm=(0.8, 0.8, 2.0),
    muscle_hu_percentiles={"0.5": -63.2, "99.5": 141.0},
    muscle_hu_mean=52.0,
    muscle_hu_std=24.0,
    median_femur_length_mm=420.0,
)


@pytest.fixture(scope="module")
def paper():
    return build_plans(SUMMARY, "Dataset001_Thigh", preset="paper")


@pytest.fixture(scope="module")
def default():
    return build_plans(SUMMARY, "Dataset001_Thigh")


def test_paper_preset_has_two_skip_connections_and_paper_geometry(paper):
    assert paper.crop_shape == (180, 128, 128)
    assert paper.field_of_view_mm == (256.0, 256.0, 360.0)
    assert paper.target_spacing_mm == (2.0, 2.0, 2.0)
    assert (paper.window_hu, paper.window_source, paper.normalisation) == ((-100.0, 250.0), "paper", "minmax")
    assert paper.neighbour_offset_slices == {"axial": 2, "coronal": 2, "sagittal": 2}
    for name in ("2d", "2d5", "3d"):
        network = paper.configuration(name).network
        assert network.num_skip_connections == 2
        assert network.num_stages == 3
        assert (network.norm, network.activation, network.deep_supervision) == ("batch", "relu", False)
    assert paper.configuration("2d5").patch_size == {
        "axial": (128, 128),
        "coronal": (180, 128),
        "sagittal": (180, 128),
    }
    assert paper.configuration("2d").orientations == ("axial",)
    assert paper.configuration("3d").network.in_channels == 1
    assert paper.configuration("2d5").network.in_channels == 3


def test_paper_training_settings(paper):
    training = paper.configuration("2d5").training
    assert (training.optimizer, training.learning_rate, training.betas) == ("adam", 1e-4, (0.9, 0.999))
    assert training.weight_decay == 0.0
    assert (training.lr_schedule.kind, training.lr_schedule.decay) == ("inverse_time", 1e-3)
    assert (training.loss, training.epochs) == ("dice", 100)
    augmentation = training.augmentation
    assert (augmentation.scale, augmentation.shift_px, augmentation.rotation_deg) == ((0.9, 1.1), 10.0, 20.0)
    assert not augmentation.mirror and not augmentation.gamma


def test_default_preset_derives_from_fingerprint(default):
    assert default.window_hu == (-170.0, 250.0)  # -63.2 - 100 and 141 + 100, rounded outward to 10 HU
    assert default.window_source == "fingerprint"
    assert (default.normalisation, default.mean_hu, default.std_hu) == ("zscore", 52.0, 24.0)
    assert default.crop_shape == (180, 128, 128)
    network = default.configuration("2d").network
    assert network.features_per_stage == (16, 32, 64, 128, 256)
    assert (network.norm, network.activation, network.deep_supervision) == ("instance", "leaky_relu", True)
    assert default.configuration("3d").network.features_per_stage == (
        16,
        32,
        64,
        128,
        256,
    )  # the 2D rule in 3D
    assert default.configuration("2d5").patch_size["coronal"] == (192, 128)  # 180 padded to the stride 16


def test_coarse_median_spacing_is_kept():
    coarse = FingerprintSummary(24, (0.8, 0.8, 3.0), {"0.5": -60.0, "99.5": 140.0}, 50.0, 25.0, 420.0)
    plans = build_plans(coarse, "D")
    assert plans.target_spacing_mm == (2.0, 2.0, 3.0)
    assert plans.crop_shape == (120, 128, 128)
    assert plans.neighbour_offset_slices == {"axial": 1, "coronal": 2, "sagittal": 2}


@pytest.mark.parametrize("preset", ["default", "paper"])
@pytest.mark.parametrize("budget", [1.0, 4.0, 8.0, 24.0, 80.0])
def test_patches_are_divisible_by_total_stride(preset, budget):
    plans = build_plans(SUMMARY, "D", preset=preset, gpu_memory_gb=budget)
    for configuration in plans.configurations.values():
        stride = configuration.network.total_stride
        for patch in configuration.patch_size.values():
            assert all(size % s == 0 for size, s in zip(patch, stride, strict=True))


@pytest.mark.parametrize("preset", ["default", "paper"])
def test_smaller_budget_gives_smaller_or_equal_batch_and_patch(preset):
    budgets = [1.0, 2.0, 4.0, 8.0, 16.0, 40.0, 80.0]
    plans = [build_plans(SUMMARY, "D", preset=preset, gpu_memory_gb=b) for b in budgets]
    for smaller, larger in zip(plans, plans[1:], strict=False):
        for name in ("2d", "2d5", "3d"):
            assert smaller.configuration(name).batch_size <= larger.configuration(name).batch_size
        small_patch = smaller.configuration("3d").patch_size["volume"]
        large_patch = larger.configuration("3d").patch_size["volume"]
        assert all(s <= b for s, b in zip(small_patch, large_patch, strict=True))
    for plan, budget in zip(plans[2:], budgets[2:], strict=True):
        for configuration in plan.configurations.values():
            assert configuration.estimated_memory_gb <= budget
    assert (
        plans[0].configuration("3d").patch_size["volume"]
        != plans[-1].configuration("3d").patch_size["volume"]
    )


def test_batch_capped_by_dataset_size():
    small = FingerprintSummary(3, (0.8, 0.8, 2.0), {"0.5": -60.0, "99.5": 140.0}, 50.0, 25.0, 420.0)
    plans = build_plans(small, "D", gpu_memory_gb=80.0)
    assert plans.configuration("3d").batch_size == 2  # 5 % of 6 legs, but at least the minimum
    assert plans.configuration("2d").batch_size <= 64


def test_input_overrides_rederive_geometry():
    plans = build_plans(
        SUMMARY, "D", overrides={"target_spacing_mm": [1.0, 1.0, 5.0], "window_hu": [-50, 200]}
    )
    assert plans.crop_shape == (72, 256, 256)
    assert plans.neighbour_offset_slices == {"axial": 1, "coronal": 4, "sagittal": 4}
    assert plans.configuration("2d").patch_size["axial"] == (256, 256)
    assert (plans.window_hu, plans.window_source) == ((-50.0, 200.0), "override")


def test_training_and_configuration_overrides():
    overrides = {
        "training": {"epochs": 7},
        "configurations": {"3d": {"batch_size": 1, "training": {"loss": "dice"}}},
    }
    plans = build_plans(SUMMARY, "D", overrides=overrides)
    assert all(c.training.epochs == 7 for c in plans.configurations.values())
    assert plans.configuration("3d").batch_size == 1
    assert plans.configuration("3d").training.loss == "dice"
    assert plans.configuration("2d").training.loss == "dice_ce"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"crop_shape": [1, 2, 3]}, "crop_shape"),
        ({"target_spacing_mm": [0, 2, 2]}, "overrides.target_spacing_mm[0]"),
        ({"window_hu": [300, 100]}, "overrides.window_hu"),
        ({"training": {"epochs": 0}}, "configurations.2d.training.epochs"),
        ({"training": {"momentum": 0.9}}, "configurations.2d.training.momentum"),
        ({"configurations": {"4d": {}}}, "configurations.4d"),
    ],
)
def test_invalid_overrides_name_the_field(overrides, expected):
    with pytest.raises(PlansError, match=expected.replace(".", r"\.").replace("[", r"\[")):
        build_plans(SUMMARY, "D", overrides=overrides)


def test_with_overrides_returns_new_plans(default):
    changed = with_overrides(
        default, "2d5", epochs=3, learning_rate=3e-4, batch_size=2, augmentation={"rotation_deg": 5}
    )
    configuration = changed.configuration("2d5")
    assert (
        configuration.training.epochs,
        configuration.training.learning_rate,
        configuration.batch_size,
    ) == (3, 3e-4, 2)
    assert configuration.training.augmentation.rotation_deg == 5.0
    assert configuration.estimated_memory_gb < default.configuration("2d5").estimated_memory_gb
    assert default.configuration("2d5").training.epochs == 100
    assert changed.configuration("2d") == default.configuration("2d")


def test_with_overrides_errors(default):
    with pytest.raises(PlansError, match="momentum"):
        with_overrides(default, "2d5", momentum=0.9)
    with pytest.raises(PlansError, match=r"configurations\.2d5\.training\.epochs"):
        with_overrides(default, "2d5", epochs=0)
    with pytest.raises(PlansError, match="available: 2d, 2d5, 3d"):
        with_overrides(default, "4d", epochs=3)


def test_unknown_configuration_lists_available(default):
    with pytest.raises(PlansError, match="available: 2d, 2d5, 3d"):
        default.configuration("3d_lowres")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"preset": "nnunet"}, "expected one of default, paper"),
        ({"gpu_memory_gb": 0}, "gpu_memory_gb"),
        ({"gpu_memory_gb": "8"}, "gpu_memory_gb"),
    ],
)
def test_invalid_build_arguments(kwargs, expected):
    with pytest.raises(PlansError, match=expected):
        build_plans(SUMMARY, "D", **kwargs)


def test_invalid_summary_is_reported():
    bad = FingerprintSummary(0, (0.8, -1.0, 2.0), {"0.5": -60.0}, 50.0, 0.0, 420.0)
    with pytest.raises(PlansError) as error:
        build_plans(bad, "D")
    for field in ("num_cases", "median_spacing_mm", "muscle_hu_percentiles", "muscle_hu_std"):
        assert field in str(error.value)


def test_summary_round_trip():
    assert FingerprintSummary.from_dict(SUMMARY.to_dict()) == SUMMARY
    with pytest.raises(PlansError, match="expected keys"):
        FingerprintSummary.from_dict({"num_cases": 3})


def test_build_is_deterministic():
    assert build_plans(SUMMARY, "D").to_dict() == build_plans(SUMMARY, "D").to_dict()
