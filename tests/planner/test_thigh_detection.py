import numpy as np
import pytest
import SimpleITK as sitk
from support.phantom_datasets import synthesise, truth

from thigh_common.image_io import read_image
from thigh_planner.detection.thigh_detector import NoThighFoundError, detect_thighs

REAL_CT = __import__("pathlib").Path(__file__).resolve().parents[3] / "shared" / "data" / "real_ct"


def _distance_to_line(point, start, end):
    point, start, end = (np.asarray(v, float) for v in (point, start, end))
    direction = (end - start) / np.linalg.norm(end - start)
    offset = point - start
    return np.linalg.norm(offset - (offset @ direction) * direction)


def _check_leg(leg, leg_truth):
    # the shaft runs from the lesser trochanter to the knee, lateral to the head-knee (mechanical) axis
    top, knee = leg_truth["lesser_trochanter_mm"], leg_truth["knee_centre_mm"]
    assert _distance_to_line(leg.center_mm, top, knee) < 15.0, "crop centre lies on the femoral shaft"
    true_axis = np.subtract(top, knee) / np.linalg.norm(np.subtract(top, knee))
    angle = np.degrees(np.arccos(abs(np.dot(true_axis, leg.axis_direction))))
    assert angle < 6.0, f"axis within 6 degrees of the femoral shaft, got {angle:.1f}"
    low, high = leg_truth["thigh_z_range_mm"]
    assert leg.thigh_range_z_mm[0] == pytest.approx(low, abs=40)
    assert leg.thigh_range_z_mm[1] == pytest.approx(high, abs=40)


@pytest.mark.parametrize("index", [0, 1, 2], ids=["identity", "flipped", "permuted"])
def test_both_thighs_found_on_the_right_sides(tiny_dataset, index):
    case = f"phantom_{index:03d}"
    case_truth = truth(tiny_dataset, case)
    image = read_image(tiny_dataset / "imagesTr" / f"{case}_0000.nii.gz")
    detection = detect_thighs(image, source=case)
    assert sorted(detection.legs) == ["left", "right"]
    for side, leg in detection.legs.items():
        _check_leg(leg, case_truth["legs"][side])
        assert not leg.cut_ends
    assert detection.legs["left"].center_mm[0] > detection.legs["right"].center_mm[0], "LPS: left is +x"
    assert detection.midline is not None


@pytest.mark.parametrize("side", ["left", "right"])
def test_one_leg_only_is_found_and_named(tmp_path, side, caplog):
    folder = synthesise(tmp_path / "one", "-n", "1", "--seed", "4", "--size", "tiny", "--legs", side)
    image = read_image(folder / "imagesTr" / "phantom_000_0000.nii.gz")
    detection = detect_thighs(image, source="one-leg")
    assert list(detection.legs) == [side]
    assert detection.midline is None
    assert any(f"only the {side} leg" in note for note in detection.notes)
    _check_leg(detection.legs[side], truth(folder, "phantom_000")["legs"][side])


def test_thigh_cut_by_the_field_of_view_is_reported(tiny_dataset):
    image = read_image(tiny_dataset / "imagesTr" / "phantom_000_0000.nii.gz")
    case_truth = truth(tiny_dataset, "phantom_000")
    low, high = case_truth["legs"]["right"]["thigh_z_range_mm"]
    cut_z = (low + high) / 2
    # keep only the slices below the middle of the thigh (identity direction: z index grows superior)
    z_index = int(image.TransformPhysicalPointToContinuousIndex((0.0, 0.0, cut_z))[2])
    size = list(image.GetSize())
    lower_half = sitk.RegionOfInterest(image, [size[0], size[1], z_index], [0, 0, 0])
    detection = detect_thighs(lower_half, source="cut")
    for leg in detection.legs.values():
        assert leg.cut_ends == ("proximal",)
        assert leg.missing_mm > 50
        assert "cut by the field of view" in leg.describe()


@pytest.mark.parametrize(
    ("path", "searched"),
    [("example_ct.nii.gz", "searched z 94.3..426.3 mm"), ("example_ct_dicom", "searched z -804.5..")],
)
def test_real_scans_without_thigh_are_rejected(path, searched):
    if not (REAL_CT / path).exists():
        pytest.skip("shared real CT data not present")
    image = read_image(REAL_CT / path)
    with pytest.raises(NoThighFoundError) as error:
        detect_thighs(image, source=path)
    message = str(error.value)
    assert message.startswith(f"no thigh found in {path}")
    assert searched in message
    assert "femoral shaft of at least 100 mm" in message


def test_thighs_that_touch_each_other_are_still_two_legs(tmp_path):
    # seed 54: the thighs share one body region over most of their length
    folder = synthesise(tmp_path / "touching", "-n", "1", "--seed", "54", "--size", "tiny")
    image = read_image(folder / "imagesTr" / "phantom_000_0000.nii.gz")
    detection = detect_thighs(image, source="touching")
    assert sorted(detection.legs) == ["left", "right"]
    case_truth = truth(folder, "phantom_000")
    for side, leg in detection.legs.items():
        _check_leg(leg, case_truth["legs"][side])
