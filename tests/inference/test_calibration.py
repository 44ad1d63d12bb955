"""Calibration inputs for 8-bit networks: drawn from tissue slices, built as prediction builds inputs."""

import numpy as np
import pytest

from thigh_inference.calibration import draw_calibration, read_calibration, write_calibration
from thigh_inference.slice_prediction import network_inputs


def legs() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    images = []
    for _ in range(2):
        image = np.full((12, 6, 5), -1.0, dtype=np.float32)  # air at the minimum
        image[3:9, 1:5, 1:4] = rng.uniform(0.0, 2.0, size=(6, 4, 3))  # tissue in axial slices 3..8
        images.append(image)
    return images


def test_inputs_come_from_tissue_slices_and_match_prediction_inputs():
    images = legs()
    inputs = draw_calibration(images, "axial", 1, (8, 8), count=5, seed=3)
    assert inputs.shape == (5, 3, 8, 8) and inputs.dtype == np.float32
    candidates = np.concatenate(
        [network_inputs(image, "axial", np.arange(3, 9), 1, (8, 8)) for image in images]
    )
    for sample in inputs:
        assert any(np.array_equal(sample, candidate) for candidate in candidates)
    np.testing.assert_array_equal(inputs, draw_calibration(images, "axial", 1, (8, 8), count=5, seed=3))
    assert not np.array_equal(inputs, draw_calibration(images, "axial", 1, (8, 8), count=5, seed=4))


def test_count_is_capped_by_the_slices_there_are():
    assert len(draw_calibration(legs(), "coronal", 0, (12, 5), count=100)) == 8  # 4 tissue slices x 2 legs


def test_write_and_read_back(tmp_path):
    path = write_calibration(tmp_path / "axial" / "calibration.npz", legs(), "axial", 1, (8, 8), count=4)
    inputs = read_calibration(path)
    np.testing.assert_allclose(inputs, draw_calibration(legs(), "axial", 1, (8, 8), count=4), atol=1e-2)
    assert inputs.dtype == np.float32


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"images": []}, "No legs to draw calibration slices from"),
        ({"orientation": "oblique"}, "Unknown orientation 'oblique'"),
        ({"count": 0}, "must be >= 1, found 0"),
    ],
)
def test_bad_arguments(arguments, message):
    call = {"images": legs(), "orientation": "axial", "offset": 1, "patch_size": (8, 8)} | arguments
    with pytest.raises(ValueError, match=message):
        draw_calibration(**call)


def test_damaged_file_is_named(tmp_path):
    path = tmp_path / "calibration.npz"
    path.write_bytes(b"not an npz")
    with pytest.raises(ValueError, match="not a calibration file"):
        read_calibration(path)
    np.savez(path, inputs=np.zeros((0, 3, 4, 4)))
    with pytest.raises(ValueError, match=r"expected calibration inputs of shape \(N, 3, H, W\)"):
        read_calibration(path)
