import numpy as np
import SimpleITK as sitk

from thigh_common.geometry import axis_towards, geometry_differences, index_to_world, world_to_index


def _image(direction):
    image = sitk.Image(7, 6, 5, sitk.sitkInt16)
    image.SetSpacing((0.7, 0.9, 2.5))
    image.SetOrigin((5.0, -3.0, 12.0))
    image.SetDirection(direction)
    return image


def test_index_world_round_trip_matches_simpleitk():
    image = _image((0, -1, 0, 1, 0, 0, 0, 0, 1))
    indices = np.array([[0, 0, 0], [1.5, 2, 3], [6, 5, 4]], dtype=float)
    world = index_to_world(image, indices)
    expected = [image.TransformContinuousIndexToPhysicalPoint(tuple(map(float, row))) for row in indices]
    assert np.allclose(world, expected)
    assert np.allclose(world_to_index(image, world), indices)


def test_axis_towards_follows_the_direction_matrix():
    flipped = _image((-1, 0, 0, 0, -1, 0, 0, 0, 1))
    assert axis_towards(flipped, "left") == (0, -1)
    assert axis_towards(flipped, "posterior") == (1, -1)
    permuted = _image((0, 1, 0, 1, 0, 0, 0, 0, 1))
    assert axis_towards(permuted, "left") == (1, 1)
    assert axis_towards(permuted, "superior") == (2, 1)


def test_geometry_differences_name_each_property():
    reference = _image((1, 0, 0, 0, 1, 0, 0, 0, 1))
    other = _image((1, 0, 0, 0, 1, 0, 0, 0, 1))
    assert geometry_differences(reference, other) == []
    other.SetOrigin((5.0, -3.0, 13.0))
    other.SetSpacing((0.7, 0.9, 3.0))
    differences = geometry_differences(reference, other)
    assert len(differences) == 2
    assert differences[0].startswith("spacing")
    assert differences[1].startswith("origin")
