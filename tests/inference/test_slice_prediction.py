import numpy as np
import pytest
import torch
from torch import nn

from thigh_inference.slice_prediction import predict_leg_2d

AXIS = {"axial": 0, "coronal": 1, "sagittal": 2}


class NeighboursAsLogits(nn.Module):
    """Returns its three input channels as the logits of three classes; records what it saw."""

    def __init__(self, deep_supervision: bool = False):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(3.0))
        self.deep_supervision = deep_supervision
        self.inputs: list[torch.Tensor] = []
        self.modes: list[bool] = []

    def forward(self, x):
        self.inputs.append(x.detach().clone())
        self.modes.append(self.training)
        logits = x * self.scale
        if self.deep_supervision:
            return [logits, logits[:, :, ::2, ::2]]
        return logits


def expected_probabilities(image, orientation, offset):
    """softmax(3 * [slice i - offset, i, i + offset]) per voxel, computed along the orientation's axis."""
    axis = AXIS[orientation]
    n = image.shape[axis]
    index = np.arange(n)
    channels = [np.take(image, np.clip(index + d, 0, n - 1), axis=axis) for d in (-offset, 0, offset)]
    logits = 3.0 * np.stack(channels).astype(np.float64)
    exp = np.exp(logits - logits.max(axis=0))
    return exp / exp.sum(axis=0)


@pytest.fixture
def image():
    rng = np.random.default_rng(0)
    return rng.normal(size=(7, 5, 6)).astype(np.float32)  # every axis a different length


@pytest.mark.parametrize("orientation", ["axial", "coronal", "sagittal"])
@pytest.mark.parametrize("offset", [0, 2])
def test_orientation_axes_and_neighbours_land_where_they_belong(image, orientation, offset):
    slice_shape = tuple(s for axis, s in enumerate(image.shape) if axis != AXIS[orientation])
    probabilities = predict_leg_2d(
        NeighboursAsLogits(), image, orientation, offset, slice_shape, batch_size=3
    )
    assert probabilities.shape == (3, 7, 5, 6)
    assert probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=0), 1.0, rtol=1e-5)
    np.testing.assert_allclose(probabilities, expected_probabilities(image, orientation, offset), atol=1e-6)


@pytest.mark.parametrize("orientation", ["axial", "coronal", "sagittal"])
def test_padding_to_a_larger_patch_uses_the_image_minimum_and_is_cropped_back(image, orientation):
    network = NeighboursAsLogits()
    probabilities = predict_leg_2d(network, image, orientation, 1, (16, 13), batch_size=4)
    np.testing.assert_allclose(probabilities, expected_probabilities(image, orientation, 1), atol=1e-6)
    seen = torch.cat(network.inputs)
    assert seen.shape == (image.shape[AXIS[orientation]], 3, 16, 13)
    height, width = (s for axis, s in enumerate(image.shape) if axis != AXIS[orientation])
    top, left = (16 - height) // 2, (13 - width) // 2
    border = torch.ones(16, 13, dtype=torch.bool)
    border[top : top + height, left : left + width] = False
    assert torch.all(seen[:, :, border] == float(image.min()))


def test_batch_size_does_not_change_the_result(image):
    network = NeighboursAsLogits()
    one = predict_leg_2d(network, image, "coronal", 1, (8, 8), batch_size=1)
    many = predict_leg_2d(network, image, "coronal", 1, (8, 8), batch_size=4)  # 5 slices: 4 + 1
    np.testing.assert_array_equal(one, many)


def test_deep_supervision_output_uses_the_first_element(image):
    probabilities = predict_leg_2d(NeighboursAsLogits(deep_supervision=True), image, "axial", 1, (6, 6))
    np.testing.assert_allclose(probabilities, expected_probabilities(image, "axial", 1), atol=1e-6)


def test_network_runs_in_eval_mode_and_its_mode_is_restored(image):
    network = NeighboursAsLogits().train()
    predict_leg_2d(network, image, "axial", 1, (5, 6))
    assert network.modes and not any(network.modes)
    assert network.training
    network.eval()
    predict_leg_2d(network, image, "axial", 1, (5, 6))
    assert not network.training


def test_float16_storage(image):
    probabilities = predict_leg_2d(NeighboursAsLogits(), image, "sagittal", 1, (8, 8), out_dtype=np.float16)
    assert probabilities.dtype == np.float16
    np.testing.assert_allclose(probabilities, expected_probabilities(image, "sagittal", 1), atol=1e-3)


def small_conv_net(num_classes: int = 4) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.InstanceNorm2d(8), nn.LeakyReLU(), nn.Conv2d(8, num_classes, 1)
    )


def test_bfloat16_autocast_on_cpu_runs_and_stays_close(image):
    network = small_conv_net()
    full = predict_leg_2d(network, image, "coronal", 1, (8, 8))
    mixed = predict_leg_2d(network, image, "coronal", 1, (8, 8), amp=True)
    assert mixed.shape == full.shape == (4, 7, 5, 6)
    assert mixed.dtype == np.float32
    np.testing.assert_allclose(mixed.sum(axis=0), 1.0, rtol=1e-5)
    np.testing.assert_allclose(mixed, full, atol=0.05)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_with_float16_autocast_matches_cpu(image):
    network = small_conv_net()
    on_cpu = predict_leg_2d(network, image, "axial", 1, (8, 8))
    device = torch.device("cuda")
    on_gpu = predict_leg_2d(network.to(device), image, "axial", 1, (8, 8), device=device, amp=True)
    np.testing.assert_allclose(on_gpu, on_cpu, atol=0.02)


class WrongShape(nn.Module):
    def forward(self, x):
        return x[:, :, 1:]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"orientation": "transverse"},
            "Unknown orientation 'transverse'; expected one of axial, coronal, sagittal",
        ),
        ({"offset": -1}, "The neighbour offset must be >= 0 slices, found -1"),
        ({"batch_size": 0}, "The batch size must be >= 1, found 0"),
        (
            {"image": np.zeros((4, 4), np.float32)},
            r"Expected a non-empty \(z, y, x\) image, found an array of shape \(4, 4\)",
        ),
        ({"image": np.zeros((0, 4, 4), np.float32)}, r"Expected a non-empty \(z, y, x\) image"),
        ({"patch_size": (8, 8, 8)}, r"A 2D patch size \(H, W\) is needed, found \(8, 8, 8\)"),
        ({"patch_size": (4, 8)}, r"The patch size \(4, 8\) is smaller than the volume's \(5, 6\)"),
        ({"network": WrongShape()}, r"The network returned shape \(7, 3, 7, 8\) for input \(7, 3, 8, 8\)"),
    ],
)
def test_bad_inputs_are_rejected(image, arguments, message):
    call = {
        "network": NeighboursAsLogits(),
        "image": image,
        "orientation": "axial",
        "offset": 1,
        "patch_size": (8, 8),
    }
    call.update(arguments)
    with pytest.raises(ValueError, match=message):
        predict_leg_2d(
            call.pop("network"), call.pop("image"), call.pop("orientation"), call.pop("offset"), **call
        )


def test_slices_with_tissue_keeps_neighbours_of_tissue():
    from thigh_inference.slice_prediction import slices_with_tissue

    air = np.ones((10, 4, 5), dtype=bool)
    air[4, 1, 2] = False  # one tissue voxel in axial slice 4
    np.testing.assert_array_equal(slices_with_tissue(air, 0, 2), [2, 4, 6])
    np.testing.assert_array_equal(slices_with_tissue(air, 0, 0), [4])
    np.testing.assert_array_equal(slices_with_tissue(air, 1, 1), [0, 1, 2])
    np.testing.assert_array_equal(slices_with_tissue(air, 2, 1), [1, 2, 3])
    assert slices_with_tissue(np.ones((3, 3, 3), bool), 0, 1).size == 0


@pytest.mark.parametrize("orientation", ["axial", "coronal", "sagittal"])
def test_all_air_slices_are_background_and_the_rest_unchanged(image, orientation):
    axis = AXIS[orientation]
    air = np.ones(image.shape, dtype=bool)
    tissue_slice = [slice(None)] * 3
    tissue_slice[axis] = 1
    air[tuple(tissue_slice)] = False  # only slice 1 has tissue: slices 0..3 are needed with offset 2
    slice_shape = tuple(s for a, s in enumerate(image.shape) if a != axis)
    network = NeighboursAsLogits()
    full = predict_leg_2d(network, image, orientation, 2, slice_shape, batch_size=2)
    calls_full = sum(len(x) for x in network.inputs)
    network.inputs.clear()
    skipped = predict_leg_2d(network, image, orientation, 2, slice_shape, batch_size=2, air_mask=air)
    assert sum(len(x) for x in network.inputs) == 2 < calls_full  # slices 1 and 3 (1 + offset)
    predicted = np.zeros(image.shape[axis], dtype=bool)
    predicted[[1, 3]] = True
    np.testing.assert_allclose(np.compress(predicted, skipped, axis=axis + 1),
                               np.compress(predicted, full, axis=axis + 1))  # fmt: skip
    background = np.compress(~predicted, skipped, axis=axis + 1)
    assert np.all(background[0] == 1) and np.all(background[1:] == 0)


class ScaledLogits(nn.Module):
    """Logits ``factor * channel`` of the three input channels (a second, different 'fold')."""

    def __init__(self, factor: float):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


@pytest.mark.parametrize("orientation", ["axial", "coronal", "sagittal"])
def test_several_networks_give_the_mean_of_their_probabilities(image, orientation):
    from thigh_inference.slice_prediction import predict_slices

    networks = [ScaledLogits(1.0), ScaledLogits(-2.0), ScaledLogits(0.5)]
    slice_shape = tuple(s for a, s in enumerate(image.shape) if a != AXIS[orientation])
    separate = [predict_leg_2d(n, image, orientation, 1, slice_shape, batch_size=3) for n in networks]
    together = predict_slices(networks, image, orientation, 1, slice_shape, batch_size=3)
    np.testing.assert_allclose(together, np.mean(separate, axis=0), atol=1e-6)


def test_into_adds_weighted_probabilities_and_background_for_skipped_slices(image):
    from thigh_inference.slice_prediction import predict_slices

    air = np.ones(image.shape, dtype=bool)
    air[:, 2] = False  # coronal slice 2 holds tissue: slices 1..3 are predicted with offset 1
    network = ScaledLogits(1.0)
    alone = predict_leg_2d(network, image, "coronal", 1, (7, 6), air_mask=air)
    total = np.full((3, *image.shape), 0.25, dtype=np.float32)
    result = predict_slices([network], image, "coronal", 1, (7, 6), air_mask=air, into=total, weight=0.5)
    assert result is total
    np.testing.assert_allclose(total, 0.25 + 0.5 * alone, atol=1e-6)
    np.testing.assert_allclose(total[0][:, [0, 4]], 0.75)  # skipped slices: background 0.5 added


def test_no_networks_is_refused(image):
    from thigh_inference.slice_prediction import predict_slices

    with pytest.raises(ValueError, match="No networks to predict with"):
        predict_slices([], image, "axial", 1, (5, 6))


def test_network_inputs_are_what_the_networks_see(image):
    from thigh_inference.slice_prediction import network_inputs

    network = NeighboursAsLogits()
    predict_leg_2d(network, image, "sagittal", 2, (9, 8), batch_size=10)
    seen = torch.cat(network.inputs).numpy()
    np.testing.assert_array_equal(
        network_inputs(image, "sagittal", np.array([0, 3, 5]), 2, (9, 8)), seen[[0, 3, 5]]
    )


def test_into_of_another_shape_is_refused(image):
    from thigh_inference.slice_prediction import predict_slices

    with pytest.raises(
        ValueError, match=r"Cannot add probabilities of 3 classes for an image of shape \(7, 5, 6\)"
    ):
        predict_slices(
            [ScaledLogits(1.0)], image, "axial", 1, (5, 6), into=np.zeros((4, 7, 5, 6), np.float32)
        )
