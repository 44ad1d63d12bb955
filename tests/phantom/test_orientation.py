import numpy as np
import pytest
import SimpleITK as sitk

from dataset_conversion.phantom.case import generate_case
from dataset_conversion.phantom.orientation import LAYOUTS, layout_for_case, to_image
from thigh_common.errors import InvalidInputError
from thigh_common.geometry import index_to_world


def label_centroids(label: sitk.Image) -> dict[int, np.ndarray]:
    array = sitk.GetArrayFromImage(label)
    result = {}
    for value in range(1, 11):
        kji = np.argwhere(array == value)
        result[value] = index_to_world(label, kji[:, ::-1].astype(float)).mean(axis=0)
    return result


@pytest.mark.parametrize("layout", ["flip", "permute"])
def test_layout_keeps_world_positions(layout, tiny_cases):
    reference = tiny_cases[0]
    case = generate_case(0, 0, "tiny", layout=layout)
    assert case.image.GetDirection() != reference.image.GetDirection()
    expected = label_centroids(reference.label)
    found = label_centroids(case.label)
    for value in expected:
        np.testing.assert_allclose(found[value], expected[value], atol=1e-3)
    back = sitk.DICOMOrient(case.image, "LPS")
    np.testing.assert_array_equal(sitk.GetArrayFromImage(back), sitk.GetArrayFromImage(reference.image))
    np.testing.assert_allclose(back.GetOrigin(), reference.image.GetOrigin(), atol=1e-6)


def test_layouts_are_proper_rotations_or_flips():
    array = np.arange(24, dtype=np.int16).reshape(2, 3, 4)
    for layout in LAYOUTS:
        image = to_image(array, (1.0, 2.0, 3.0), (5.0, 6.0, 7.0), layout)
        direction = np.array(image.GetDirection()).reshape(3, 3)
        assert abs(abs(np.linalg.det(direction)) - 1) < 1e-9
        corner = index_to_world(image, np.array([[0, 0, 0]]))[0]
        assert tuple(image.GetSize()) in {(4, 3, 2), (3, 2, 4)}
        assert np.all(corner >= [5.0, 6.0, 7.0]) and np.all(corner <= [8.0, 10.0, 10.0])


def test_mixed_cycles_and_bad_mode():
    assert [layout_for_case("mixed", k) for k in range(4)] == ["identity", "flip", "permute", "identity"]
    with pytest.raises(InvalidInputError, match="unknown directions mode"):
        layout_for_case("sideways", 0)
