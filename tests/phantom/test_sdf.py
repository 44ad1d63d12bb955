import numpy as np
import pytest

from dataset_conversion.phantom import sdf


@pytest.mark.parametrize(
    ("distance", "thickness", "voxel", "expected"),
    [(0.0, 1.0, 2.0, 0.5), (0.0, 2.0, 1.0, 1.0), (3.0, 1.0, 2.0, 0.0), (1.0, 1.0, 2.0, 0.25)],
)
def test_septum_fat_fraction(distance, thickness, voxel, expected):
    assert float(sdf.septum_fat(np.array(distance), thickness, voxel)) == pytest.approx(expected)


def test_fraction_and_primitives():
    assert float(sdf.fraction(np.array(0.0), 2.0)) == pytest.approx(0.5)
    pts = (np.array([3.0]), np.array([0.0]), np.array([0.0]))
    assert float(sdf.sphere(pts, np.zeros(3), 2.0)[0]) == pytest.approx(1.0)
    assert float(sdf.ellipsoid(pts, np.zeros(3), np.array([2.0, 2.0, 2.0]))[0]) == pytest.approx(1.0)
    assert float(
        sdf.capsule(pts, np.array([0.0, -5, 0]), np.array([0.0, 5, 0]), 1.0, 1.0)[0]
    ) == pytest.approx(2.0)
