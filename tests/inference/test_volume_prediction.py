import numpy as np
import pytest
import torch
from torch import nn

from thigh_inference.volume_prediction import gaussian_importance_map, predict_leg_3d, sliding_window_starts


class PointwiseNet(nn.Module):
    """Voxel-wise logits of 3 classes from the intensity (a 1x1x1 network): a whole-volume pass is exact."""

    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.tensor([2.0, -1.5, 0.5]))
        self.patches: list[tuple[int, ...]] = []
        self.inputs: list[torch.Tensor] = []

    def forward(self, x):
        self.patches.append(tuple(x.shape))
        self.inputs.append(x.clone())
        return torch.cat([x * w + torch.sin(3 * x * w) for w in self.weights], dim=1)


@pytest.fixture
def image():
    z, y, x = np.meshgrid(np.arange(11), np.arange(9), np.arange(13), indexing="ij")
    return (0.1 * z - 0.07 * y + 0.05 * x + 0.01 * z * x).astype(np.float32)  # position-dependent


def direct(network, image):
    with torch.no_grad():
        logits = network(torch.from_numpy(image)[None, None])
    return torch.softmax(logits, dim=1)[0].numpy()


@pytest.mark.parametrize("gaussian", [True, False])
@pytest.mark.parametrize(
    ("patch", "step", "batch"), [((4, 5, 6), 0.5, 1), ((6, 4, 8), 1.0, 3), ((5, 5, 5), 0.3, 2)]
)
def test_stitched_patches_equal_the_whole_volume_prediction(image, patch, step, batch, gaussian):
    network = PointwiseNet()
    probabilities = predict_leg_3d(
        network, image, patch, step_fraction=step, batch_size=batch, gaussian=gaussian
    )
    assert probabilities.shape == (3, 11, 9, 13)
    assert probabilities.dtype == np.float32
    assert all(shape[0] <= batch and shape[1:] == (1, *patch) for shape in network.patches)
    np.testing.assert_allclose(probabilities, direct(network, image), atol=1e-5)


def test_volume_smaller_than_the_patch_is_padded_with_the_minimum(image):
    network = PointwiseNet()
    probabilities = predict_leg_3d(network, image, (16, 8, 16))  # z and x padded, y slides
    assert {shape[2:] for shape in network.patches} == {(16, 8, 16)}
    assert len(network.patches) == 2
    # z: 11 -> 16 (2 before, 3 after), x: 13 -> 16 (1 before, 2 after), filled with the minimum.
    first = network.inputs[0][0, 0]
    assert torch.all(first[:2] == float(image.min())) and torch.all(first[-3:] == float(image.min()))
    assert torch.all(first[:, :, :1] == float(image.min())) and torch.all(
        first[:, :, -2:] == float(image.min())
    )
    np.testing.assert_array_equal(first[2:13, :, 1:14].numpy(), image[:, :8])
    np.testing.assert_allclose(probabilities, direct(network, image), atol=1e-5)


def test_every_voxel_is_covered_with_the_expected_number_of_patches(image):
    network = PointwiseNet()
    predict_leg_3d(network, image, (4, 5, 6), step_fraction=0.5)
    counts = [len(sliding_window_starts(s, p, 0.5)) for s, p in zip(image.shape, (4, 5, 6), strict=True)]
    assert len(network.patches) == np.prod(counts)


def test_amp_bfloat16_on_cpu_and_float16_storage(image):
    network = PointwiseNet()
    mixed = predict_leg_3d(network, image, (6, 6, 6), amp=True, out_dtype=np.float16)
    assert mixed.dtype == np.float16
    np.testing.assert_allclose(mixed.astype(np.float32), direct(network, image), atol=0.05)


def test_network_mode_is_restored(image):
    network = PointwiseNet().train()
    predict_leg_3d(network, image, (6, 6, 6))
    assert network.training


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_with_float16_autocast(image):
    network = PointwiseNet()
    expected = direct(network, image)
    device = torch.device("cuda")
    on_gpu = predict_leg_3d(network.to(device), image, (6, 6, 6), device=device, amp=True)
    np.testing.assert_allclose(on_gpu, expected, atol=0.02)


@pytest.mark.parametrize(
    ("size", "patch", "fraction", "starts"),
    [
        (10, 4, 0.5, [0, 2, 4, 6]),
        (10, 10, 0.5, [0]),
        (3, 8, 0.5, [0]),
        (11, 4, 1.0, [0, 4, 7]),
        (9, 4, 0.5, [0, 2, 3, 5]),
    ],
)
def test_sliding_window_starts(size, patch, fraction, starts):
    assert sliding_window_starts(size, patch, fraction) == starts


@pytest.mark.parametrize(
    ("size", "patch", "fraction"), [(180, 96, 0.5), (128, 64, 0.5), (37, 8, 0.25), (50, 7, 1.0)]
)
def test_sliding_window_covers_the_volume_with_steps_at_most_the_fraction(size, patch, fraction):
    starts = sliding_window_starts(size, patch, fraction)
    assert starts[0] == 0 and starts[-1] == size - patch
    assert max(np.diff(starts)) <= np.ceil(patch * fraction)


def test_gaussian_importance_map():
    weights = gaussian_importance_map((9, 8, 16))
    assert weights.shape == (9, 8, 16) and weights.dtype == np.float32
    assert weights[4, 4, 8] == pytest.approx(1.0)
    assert weights.min() > 0
    assert weights[4, 4, 0] < weights[4, 4, 4] < weights[4, 4, 8]
    np.testing.assert_allclose(weights[:, :, 8 - 3], weights[:, :, 8 + 3])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"patch_size": (4, 4)},
            r"A 3D patch size \(D, H, W\) of positive lengths is needed, found \(4, 4\)",
        ),
        (
            {"patch_size": (4, 0, 4)},
            r"A 3D patch size \(D, H, W\) of positive lengths is needed, found \(4, 0, 4\)",
        ),
        ({"step_fraction": 0.0}, r"The step fraction must be in \(0, 1\], found 0.0"),
        ({"step_fraction": 1.5}, r"The step fraction must be in \(0, 1\], found 1.5"),
        ({"batch_size": 0}, "The batch size must be >= 1, found 0"),
        (
            {"image": np.zeros((4, 4), np.float32)},
            r"Expected a non-empty \(z, y, x\) image, found an array of shape \(4, 4\)",
        ),
    ],
)
def test_bad_inputs_are_rejected(image, arguments, message):
    call = {"image": image, "patch_size": (4, 4, 4)}
    call.update(arguments)
    with pytest.raises(ValueError, match=message):
        predict_leg_3d(PointwiseNet(), call.pop("image"), call.pop("patch_size"), **call)
