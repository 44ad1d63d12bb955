"""The side of each leg: from the legs' order in world x, and a lone leg's from its own hip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from support.phantom_datasets import synthesise, truth

from thigh_common.image_io import read_image
from thigh_planner.detection.leg_side import LegSideUndecidedError
from thigh_planner.detection.thigh_detector import detect_thighs

LAYOUTS = ["identity", "flip", "permute"]  # --directions mixed: case k has layout LAYOUTS[k]


def _world_x(image: sitk.Image) -> np.ndarray:
    """World x (mm) of every voxel, as an array ``(z, y, x)`` like ``GetArrayFromImage``."""
    direction = np.asarray(image.GetDirection()).reshape(3, 3)
    step = direction[0] * np.asarray(image.GetSpacing())
    i, j, k = np.meshgrid(*(np.arange(n) for n in image.GetSize()), indexing="ij")
    x = image.GetOrigin()[0] + step[0] * i + step[1] * j + step[2] * k
    return x.transpose(2, 1, 0)


def _one_leg_at_the_edge(image: sitk.Image, side: str, knee_x_mm: float) -> sitk.Image:
    """Air over the other half of the body (x beyond 0), and the image cut 50 mm lateral of the knee.

    The body then touches the image edge on the lateral side of the leg that is left: the
    layout of the issue, where the midline was assumed to lie beyond that edge.
    """
    x = _world_x(image)
    array = sitk.GetArrayFromImage(image)
    array[(x > 0) if side == "right" else (x < 0)] = -1024
    blanked = sitk.GetImageFromArray(array)
    blanked.CopyInformation(image)
    axis = int(np.argmax(np.abs(np.asarray(image.GetDirection()).reshape(3, 3)[0])))  # index axis along x
    along = np.moveaxis(x.transpose(2, 1, 0), axis, 0)[:, 0, 0]
    cut = knee_x_mm - 50.0 if side == "right" else knee_x_mm + 50.0
    kept = np.flatnonzero(along >= cut if side == "right" else along <= cut)
    start, size = [0, 0, 0], list(image.GetSize())
    start[axis], size[axis] = int(kept[0]), int(kept[-1] - kept[0] + 1)
    return sitk.RegionOfInterest(blanked, size, start)


@pytest.fixture(scope="module")
def one_leg_datasets(tmp_path_factory) -> dict[str, Path]:
    """Per side, three tiny one-leg phantoms with identity, flipped and permuted direction matrices."""
    root = tmp_path_factory.mktemp("one_leg")
    return {
        side: synthesise(
            root / side, "-n", "3", "--seed", "4", "--size", "tiny", "--legs", side, "--directions", "mixed"
        )
        for side in ("left", "right")
    }


@pytest.mark.parametrize("index", [0, 1, 2], ids=LAYOUTS)
@pytest.mark.parametrize("side", ["left", "right"])
def test_lone_leg_side_is_read_from_its_hip(one_leg_datasets, side, index):
    folder = one_leg_datasets[side]
    image = read_image(folder / "imagesTr" / f"phantom_{index:03d}_0000.nii.gz")
    detection = detect_thighs(image, source="one-leg")
    assert list(detection.legs) == [side]
    (note,) = detection.notes
    assert note.startswith(f"only the {side} leg is in the field of view (side judged from its hip: ")
    medial = "left" if side == "right" else "right"
    assert f"towards the patient's {medial} of the shaft axis" in note


@pytest.mark.parametrize("index", [0, 1, 2], ids=LAYOUTS)
def test_both_legs_hips_agree_with_their_order(tiny_dataset, index):
    image = read_image(tiny_dataset / "imagesTr" / f"phantom_{index:03d}_0000.nii.gz")
    detection = detect_thighs(image, source="both")
    assert sorted(detection.legs) == ["left", "right"]
    assert detection.legs["left"].center_mm[0] > detection.legs["right"].center_mm[0]
    assert detection.notes == (), "each hip points medially, towards the other leg"


@pytest.mark.parametrize("index", [0, 1, 2], ids=LAYOUTS)
@pytest.mark.parametrize("side", ["left", "right"])
def test_lone_leg_whose_body_touches_the_image_edge(tiny_dataset, side, index):
    # the issue: the other half of the scan is air and the body meets the lateral image edge;
    # the side used to be judged from that edge and came out wrong
    case = f"phantom_{index:03d}"
    image = read_image(tiny_dataset / "imagesTr" / f"{case}_0000.nii.gz")
    knee_x = truth(tiny_dataset, case)["legs"][side]["knee_centre_mm"][0]
    detection = detect_thighs(_one_leg_at_the_edge(image, side, knee_x), source="edge")
    assert list(detection.legs) == [side]
    assert detection.legs[side].center_mm[0] == pytest.approx(knee_x, abs=60)


def test_lone_leg_without_its_hip_is_refused(one_leg_datasets):
    folder = one_leg_datasets["right"]
    image = read_image(folder / "imagesTr" / "phantom_000_0000.nii.gz")  # identity layout
    low, high = truth(folder, "phantom_000")["legs"]["right"]["thigh_z_range_mm"]
    z_index = int(image.TransformPhysicalPointToContinuousIndex((0.0, 0.0, (low + high) / 2))[2])
    size = list(image.GetSize())
    lower_thigh = sitk.RegionOfInterest(image, [size[0], size[1], z_index], [0, 0, 0])
    with pytest.raises(LegSideUndecidedError) as error:
        detect_thighs(lower_thigh, source="cut")
    message = str(error.value)
    assert message.startswith("cut: only one leg found, the leg at world x ")
    assert (
        "its side (patient left or right) cannot be decided: its hip is not in the field of view" in message
    )
    assert "use a scan that covers both thighs or the hip joint of this one" in message


def _scene(
    legs: list[tuple[float, float | None]], shaft_slices: int = 35, hip_slices: int = 25
) -> sitk.Image:
    """A 4 mm scene: per leg ``(x_mm, hip_shift_mm)``, a body cylinder with a straight femoral shaft,
    and above it a disk of bone (a stand-in for the hip) shifted in world x, or none (``None``).
    """
    spacing, nx, ny = 4.0, 110, 60
    z, y, x = np.meshgrid(
        np.arange(shaft_slices + hip_slices), np.arange(ny) * spacing - 120.0, np.arange(nx) * spacing - 220.0,
        indexing="ij",
    )  # fmt: skip
    hu = np.full(x.shape, -1000.0, dtype=np.float32)
    for centre_x, shift in legs:
        hu[(x - centre_x) ** 2 + y**2 <= 90.0**2] = 40.0
        hu[((x - centre_x) ** 2 + y**2 <= 14.0**2) & (z < shaft_slices)] = 1000.0
        if shift is not None:
            hu[((x - centre_x - shift) ** 2 + y**2 <= 30.0**2) & (z >= shaft_slices)] = 600.0
    image = sitk.GetImageFromArray(hu)
    image.SetSpacing([spacing] * 3)
    image.SetOrigin([-220.0, -120.0, 0.0])
    return image


@pytest.mark.parametrize(
    ("hip_shift_mm", "side"),
    [(40.0, "right"), (-40.0, "left")],
    ids=["medial-towards-left", "medial-towards-right"],
)
def test_side_follows_the_hip_not_the_position(hip_shift_mm, side):
    # the leg lies left of the image centre either way; only its hip says which leg it is
    detection = detect_thighs(_scene([(60.0, hip_shift_mm)]), source="scene")
    assert list(detection.legs) == [side]


@pytest.mark.parametrize(
    ("legs", "shaft_slices", "reason"),
    [
        ([(60.0, 0.0)], 35, "the bone above its femoral shaft does not lean to one side"),
        ([(60.0, None)], 35, "too little bone above its femoral shaft (0 mL within 80 mm"),
        ([(60.0, 8.0)], 35, "does not lean to one side (mean shift +8 mm in world x"),
        (
            [(60.0, 40.0)],
            52,
            "its hip is not in the field of view (the scan ends 32 mm above the femoral shaft",
        ),
    ],
    ids=["symmetric", "no-bone", "weak", "hip-cut-off"],
)
def test_undecided_lone_leg_is_refused_with_the_reason(legs, shaft_slices, reason):
    with pytest.raises(LegSideUndecidedError) as error:
        detect_thighs(_scene(legs, shaft_slices, 60 - shaft_slices), source="scene")
    message = str(error.value)
    assert message.startswith("scene: only one leg found, the leg at world x 60 mm (femoral shaft z ")
    assert reason in message


def test_two_legs_keep_their_order_and_note_a_hip_that_disagrees():
    # the left leg's hip bone lies lateral: the order in x still decides, with a note
    detection = detect_thighs(_scene([(-110.0, 40.0), (110.0, 40.0)]), source="scene")
    assert detection.legs["right"].center_mm[0] < 0 < detection.legs["left"].center_mm[0]
    (note,) = detection.notes
    assert note.startswith("the hip of the left leg points the other way: ")
    assert "the sides are kept from the legs' order in world x" in note
