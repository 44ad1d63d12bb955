"""Clinical conditions: each renders from the case seed, is deterministic and changes what it should."""

import numpy as np
import pytest
import SimpleITK as sitk
from support.condition_cases import INDEX, SEED
from support.condition_cases import condition_case as case

from dataset_conversion.phantom.case import generate_case
from dataset_conversion.phantom.conditions.metal_streaks import METAL_THRESHOLD
from dataset_conversion.phantom.conditions.registry import CONDITIONS, parse_conditions
from dataset_conversion.phantom.imaging import HU_MAX
from thigh_common.errors import InvalidInputError


def arrays(c):
    return sitk.GetArrayFromImage(c.image), sitk.GetArrayFromImage(c.label)


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        ([], ()),
        (["metal=nail, circle"], ("metal=nail", "circle")),
        (["circle=dicom0", "thick-slices,low-dose"], ("thick-slices", "low-dose", "circle=dicom0")),
        (["arms,"], ("arms",)),
    ],
)
def test_parse_conditions(specs, expected):
    assert parse_conditions(specs) == expected


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (["tattoo"], "unknown --condition 'tattoo'; expected one of thick-slices, low-dose"),
        (
            ["circle=-1000"],
            "unknown value '-1000' for --condition circle; expected one of -2048, -3024, dicom0",
        ),
        (["truncation=left"], "expected one of distal, proximal, x"),
        (["low-dose=high"], "--condition low-dose takes no value, got 'low-dose=high'"),
        (["arms", "arms=on"], "--condition arms is given twice"),
    ],
)
def test_bad_conditions(specs, message):
    with pytest.raises(InvalidInputError) as error:
        parse_conditions(specs)
    assert message in str(error.value)


@pytest.mark.parametrize("name", list(CONDITIONS))
def test_condition_is_recorded_deterministic_and_changes_the_case(name):
    first = case(name)
    again = generate_case(SEED, INDEX, "tiny", conditions=[name])
    image, label = arrays(first)
    assert np.array_equal(image, arrays(again)[0]) and np.array_equal(label, arrays(again)[1])
    assert again.truth == first.truth
    assert set(first.truth["conditions"]) == {name}
    assert first.truth["conditions"][name]["value"] is None
    default_image, _ = arrays(case())
    assert image.shape != default_image.shape or not np.array_equal(image, default_image)
    # Everything else in the truth is the default subject's (conditions draw from their own generator).
    assert first.truth["legs"].keys() == case().truth["legs"].keys()
    # The knee moves the table's end; thinner legs at follow-up (atrophy) rest lower on it.
    assert first.truth["subject"] == case().truth["subject"] or name in ("knee", "atrophy")


def test_other_seed_gives_other_draws():
    other = generate_case(SEED + 1, INDEX, "tiny", conditions=["circle"])
    assert other.truth["conditions"]["circle"] != case("circle").truth["conditions"]["circle"]


@pytest.mark.parametrize("padding", ["-2048", "-3024", "dicom0"])
def test_circle_pads_outside_and_keeps_inside(padding):
    c = generate_case(SEED, INDEX, "tiny", conditions=[f"circle={padding}"])
    image, label = arrays(c)
    default_image, default_label = arrays(case())
    record = c.truth["conditions"]["circle"]
    cx, cy = record["centre_xy_mm"]
    x, y = c.grid.axis(0)[None, :], c.grid.axis(1)[:, None]
    outside = np.broadcast_to((x - cx) ** 2 + (y - cy) ** 2 > record["radius_mm"] ** 2, image.shape)
    assert outside.any() and not outside.all()
    assert np.all(image[outside] == {"-2048": -2048, "-3024": -3024, "dicom0": -1024}[padding])
    assert np.array_equal(image[~outside], default_image[~outside])
    assert not label[outside].any()
    assert np.array_equal(label[~outside], default_label[~outside])


def test_thick_slices_have_5_mm_spacing_over_the_same_range():
    c, default = case("thick-slices"), case()
    assert c.image.GetSpacing()[2] == 5.0
    assert c.grid.origin == default.grid.origin
    extent = (default.grid.shape[0] - 1) * default.grid.spacing[2]
    assert (c.grid.shape[0] - 2) * 5.0 < extent <= (c.grid.shape[0] - 1) * 5.0


def test_low_dose_noise_is_higher():
    c = case("low-dose")
    sigma = c.truth["noise_sigma_hu"]
    assert 25.0 <= sigma <= 50.0 and sigma > case().truth["noise_sigma_hu"]
    image, _ = arrays(c)
    default_image, _ = arrays(case())
    # The same unit noise field, scaled up: away from the -1024 clip the difference is (sigma - default) x noise.
    tissue = c.clean > -200.0
    difference = image[tissue].astype(float) - default_image[tissue]
    assert difference.std() == pytest.approx(sigma - case().truth["noise_sigma_hu"], rel=0.1)


@pytest.mark.parametrize("mode", ["distal", "proximal"])
def test_truncation_keeps_half_the_thigh_in_z(mode):
    c = generate_case(SEED, INDEX, "tiny", conditions=[f"truncation={mode}"])
    default = case()
    image, label = arrays(c)
    default_image, default_label = arrays(default)
    cut = c.truth["conditions"]["truncation"]["cut_z_mm"]
    z = c.grid.axis(2)
    assert image.shape[0] < default_image.shape[0]
    assert np.all(z <= cut + 1e-3) if mode == "distal" else np.all(z >= cut - 1e-3)
    first = int(round((c.grid.origin[2] - default.grid.origin[2]) / default.grid.spacing[2]))
    kept = slice(first, first + image.shape[0])
    assert np.array_equal(label, default_label[kept])  # the image's noise is keyed by the new slice index
    assert set(np.unique(label)) == set(np.unique(default_label))  # every muscle still in view


def test_truncation_in_x_cuts_one_leg():
    c = generate_case(SEED, INDEX, "tiny", conditions=["truncation=x"])
    default = case()
    image, label = arrays(c)
    _, default_label = arrays(default)
    first = int(round((c.grid.origin[0] - default.grid.origin[0]) / default.grid.spacing[0]))
    assert image.shape[2] < default_label.shape[2]
    assert np.array_equal(label, default_label[:, :, first : first + image.shape[2]])
    side = c.truth["conditions"]["truncation"]["cut_side"]
    x = default.grid.axis(0)
    cut_away = (
        (x > c.truth["conditions"]["truncation"]["image_edge_x_mm"])
        if side == "left"
        else (x < c.truth["conditions"]["truncation"]["image_edge_x_mm"])
    )
    assert default_label[:, :, cut_away].any()  # labelled muscle of that leg was cut off


@pytest.mark.parametrize("mode", ["beside", "on"])
def test_arms_add_bone_outside_the_thigh_labels(mode):
    c = generate_case(SEED, INDEX, "tiny", keep_arrays=True, conditions=[f"arms={mode}"])
    default = case()
    _, label = arrays(c)
    _, default_label = arrays(default)
    arm_bone = c.bone & ~default.bone
    assert arm_bone.sum() > 200
    assert not label[arm_bone].any()
    changed = label != default_label  # the thighs keep their labels, but where an arm bone touches a muscle
    assert not label[changed].any() and changed.sum() < 0.005 * (default_label > 0).sum()
    # Bone HU: thin cortex loses contrast to partial volume at 4 mm, but stays far above muscle.
    assert c.clean[arm_bone].max() > 400 and np.median(c.clean[arm_bone]) > 100
    z = c.grid.axis(2)[np.nonzero(arm_bone)[0]]
    low, high = c.truth["legs"]["right"]["thigh_z_range_mm"]
    assert np.any((z > low) & (z < high))  # hands in the thigh's slices


@pytest.mark.parametrize("implant", ["stem", "nail"])
def test_metal_is_bright_with_streaks(implant):
    c = generate_case(SEED, INDEX, "tiny", keep_arrays=True, conditions=[f"metal={implant}"])
    image, label = arrays(c)
    default_image, default_label = arrays(case())
    assert (default_image == HU_MAX).sum() == 0
    assert (image == HU_MAX).sum() > 50
    changed = label != default_label
    assert not label[changed].any()  # metal only removes labels (where it leaves the bone)
    assert changed.sum() < 0.005 * (default_label > 0).sum()
    record = c.truth["conditions"]["metal"]
    assert record["implant"] == implant and record["slices_with_metal"] > 5
    metal_slices = np.flatnonzero((c.clean > METAL_THRESHOLD).any(axis=(1, 2)))
    difference = image.astype(float) - default_image
    k = metal_slices[len(metal_slices) // 2]
    rows, cols = np.nonzero(c.clean[k] > METAL_THRESHOLD)
    x, y = c.grid.axis(0)[None, :], c.grid.axis(1)[:, None]
    r = np.hypot(x - x[0, cols].mean(), y - y[rows, 0].mean())
    ring = (r > 20) & (r < 80)
    assert difference[k][ring].std() > 30  # streaks and the dark band
    assert difference[k][ring].min() < -100
    far = np.setdiff1d(np.arange(image.shape[0]), np.arange(metal_slices[0] - 3, metal_slices[-1] + 4))
    assert np.abs(difference[far]).max() == 0  # slices without metal are untouched


def test_whole_body_holds_the_thighs_inside_a_long_scan():
    c, default = case("whole-body"), case()
    image, label = arrays(c)
    z = c.grid.axis(2)
    assert z[0] < default.grid.axis(2)[0] - 300 and z[-1] > default.grid.axis(2)[-1] + 150
    assert set(np.unique(label)) == set(np.unique(arrays(default)[1]))
    knee_z = min(leg["knee_centre_mm"][2] for leg in c.truth["legs"].values())
    crest_z = c.truth["subject"]["iliac_crest_z_mm"]
    assert not label[(z < knee_z - 150) | (z > crest_z)].any()  # shins, feet and trunk are background
    assert c.bone[z < knee_z - 300].sum() > 100  # tibia and fibula down to the ankle
    assert (c.clean[z > crest_z + 150] < -800).sum() > 1000  # lung bases


def test_atrophy_is_the_same_subject_with_less_muscle_in_each_leg():
    baseline, followup = case(), case("atrophy=strong")
    labels, later = sitk.GetArrayFromImage(baseline.label), sitk.GetArrayFromImage(followup.label)
    assert labels.shape == later.shape
    middle = labels.shape[2] // 2
    for half in (slice(0, middle), slice(middle, None)):
        before, after = np.count_nonzero(labels[..., half]), np.count_nonzero(later[..., half])
        assert 0.55 * before < after < 0.95 * before, (before, after)  # 5-45 % fewer muscle voxels
    for side, leg in baseline.truth["legs"].items():
        change = followup.truth["conditions"]["atrophy"]["legs"][side]
        assert followup.truth["legs"][side]["femur_length_mm"] == leg["femur_length_mm"]
        assert followup.truth["legs"][side]["atrophy"]["muscle_scale"] == pytest.approx(
            leg["atrophy"]["muscle_scale"] * change["muscle_scale_factor"], abs=2e-3
        )
    bone = baseline.truth["legs"]["right"]["femoral_head_centre_mm"]
    assert followup.truth["legs"]["right"]["femoral_head_centre_mm"] == bone
