"""Every topology goes through the same checks (segmentation_models.pytorch style)."""

import io
import math

import numpy as np
import pytest
import torch
from scipy import ndimage

from thigh_networks import UNet, build_network, count_parameters
from thigh_planner.plans import FingerprintSummary, NetworkTopology, build_plans
from thigh_planner.plans.memory import count_parameters as planned_parameters
from thigh_trainer.losses import build_loss


def topology(dims, features, strides, norm="instance", activation="leaky_relu", ds=False, **kwargs):
    stages = len(features)
    return NetworkTopology(
        spatial_dims=dims,
        in_channels=kwargs.get("in_channels", 3 if dims == 2 else 1),
        num_classes=kwargs.get("num_classes", 4),
        features_per_stage=tuple(features),
        strides=tuple(tuple(s) for s in strides),
        kernel_sizes=kwargs.get("kernel_sizes", ((3,) * dims,) * stages),
        n_conv_per_stage=kwargs.get("n_conv", (2,) * stages),
        n_conv_per_stage_decoder=kwargs.get("n_conv_decoder", (2,) * (stages - 1)),
        num_skip_connections=stages - 1,
        norm=norm,
        activation=activation,
        deep_supervision=ds,
    )


# name -> (topology, valid input sizes)
TOPOLOGIES = {
    "2d_paper_batch_relu": (
        topology(2, (8, 16, 32), ((1, 1), (2, 2), (2, 2)), "batch", "relu"),
        [(48, 32), (96, 64), (32, 32)],
    ),
    "2d_deep_supervision_instance": (
        topology(2, (4, 8, 16, 32, 32), ((1, 1),) + ((2, 2),) * 4, ds=True),
        [(48, 32), (96, 64)],
    ),
    "2d_anisotropic_uneven_convs": (
        topology(
            2, (4, 8, 16), ((1, 1), (2, 1), (2, 2)), "batch", ds=True, n_conv=(1, 2, 3), n_conv_decoder=(3, 1)
        ),
        [(48, 32), (12, 6)],
    ),
    "3d_instance_deep_supervision": (
        topology(3, (4, 8, 16), ((1, 1, 1), (2, 2, 2), (2, 2, 2)), ds=True),
        [(16, 12, 8), (8, 16, 20)],
    ),
    "3d_batch_anisotropic_kernels": (
        topology(
            3,
            (4, 8, 16),
            ((1, 1, 1), (1, 2, 2), (2, 2, 2)),
            "batch",
            "relu",
            kernel_sizes=((1, 3, 3), (3, 3, 3), (3, 3, 3)),
        ),
        [(8, 12, 16), (4, 8, 8)],
    ),
}
IDS = list(TOPOLOGIES)


def make(name, seed=0):
    torch.manual_seed(seed)
    return build_network(TOPOLOGIES[name][0])


def sample(net, size, batch=2, seed=1):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, net.in_channels, *size, generator=generator)


def expected_output_sizes(net, size):
    """Spatial size of each decoder stage's output, full resolution first."""
    sizes, current = [], tuple(size)
    for stride in net.strides[: net.num_stages - 1]:
        current = tuple(c // s for c, s in zip(current, stride, strict=True))
        sizes.append(current)
    return sizes


@pytest.mark.parametrize("name", IDS)
def test_forward_shapes_in_eval(name):
    net, sizes = TOPOLOGIES[name]
    model = make(name).eval()
    for size in sizes:
        with torch.no_grad():
            output = model(sample(net, size))
        assert isinstance(output, torch.Tensor)
        assert output.shape == (2, net.num_classes, *size)


@pytest.mark.parametrize("name", IDS)
def test_training_output_type(name):
    net, sizes = TOPOLOGIES[name]
    model = make(name).train()
    outputs = model(sample(net, sizes[0]))
    if net.deep_supervision:
        assert isinstance(outputs, list)
        assert len(outputs) == net.num_stages - 1
        assert [tuple(o.shape[2:]) for o in outputs] == expected_output_sizes(net, sizes[0])
        assert all(o.shape[:2] == (2, net.num_classes) for o in outputs)
    else:
        assert isinstance(outputs, torch.Tensor)
        assert outputs.shape == (2, net.num_classes, *sizes[0])


@pytest.mark.parametrize("name", IDS)
def test_backward_gives_finite_gradients_for_every_parameter(name):
    net, sizes = TOPOLOGIES[name]
    model = make(name).train()
    outputs = model(sample(net, sizes[0]))
    outputs = outputs if isinstance(outputs, list) else [outputs]
    sum(o.square().mean() for o in outputs).backward()
    for parameter_name, parameter in model.named_parameters():
        assert parameter.grad is not None, parameter_name
        assert torch.isfinite(parameter.grad).all(), parameter_name


@pytest.mark.parametrize("name", IDS)
def test_state_dict_round_trip(name):
    net, sizes = TOPOLOGIES[name]
    model = make(name, seed=0)
    model.train()(sample(net, sizes[0]))  # updates batch-norm running statistics
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    restored = make(name, seed=123)
    restored.load_state_dict(torch.load(buffer, weights_only=True))
    x = sample(net, sizes[-1], seed=7)
    with torch.no_grad():
        assert torch.equal(model.eval()(x), restored.eval()(x))


@pytest.mark.parametrize("name", IDS)
def test_parameter_count_matches_the_planner(name):
    net, _ = TOPOLOGIES[name]
    model = make(name)
    assert count_parameters(model) == planned_parameters(net)
    assert count_parameters(model) == sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name", IDS)
def test_size_not_divisible_by_the_stride(name):
    net, sizes = TOPOLOGIES[name]
    bad = tuple(s + 1 if s2 > 1 else s for s, s2 in zip(sizes[0], net.total_stride, strict=True))
    with pytest.raises(ValueError, match="not divisible") as error:
        make(name).eval()(sample(net, bad, batch=1))
    assert str(bad) in str(error.value)
    assert str(net.total_stride) in str(error.value)


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((1, 3, 8, 8, 8), r"expected a 4D input .* got shape \(1, 3, 8, 8, 8\)"),
        ((1, 1, 8, 8), r"expected 3 input channels, got 1"),
        ((1, 3, 10, 8), r"input spatial size \(10, 8\) is not divisible .* \(4, 4\); pad it to \(12, 8\)"),
    ],
)
def test_bad_inputs(shape, message):
    model = make("2d_paper_batch_relu").eval()
    with pytest.raises(ValueError, match=message):
        model(torch.zeros(shape))


def replace(net, **changes):
    fields = {**net.__dict__, **changes}
    return NetworkTopology(**fields)


PAPER_LIKE = TOPOLOGIES["2d_paper_batch_relu"][0]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"spatial_dims": 4}, "spatial_dims must be 2 or 3, got 4"),
        ({"strides": ((1, 1), (2, 2))}, r"strides has 2 entries, expected 3 \(one per stage\)"),
        (
            {"kernel_sizes": ((3, 3), (3, 3, 3), (3, 3))},
            r"kernel_sizes\[1\] = \(3, 3, 3\) has 3 axes, expected 2",
        ),
        ({"n_conv_per_stage_decoder": (2,)}, r"n_conv_per_stage_decoder has 1 entries, expected 2"),
        ({"num_skip_connections": 3}, "num_skip_connections is 3, expected num_stages - 1 = 2"),
        ({"norm": "group"}, "unknown norm 'group'; expected one of instance, batch"),
        ({"activation": "gelu"}, "unknown activation 'gelu'; expected one of leaky_relu, relu"),
    ],
)
def test_invalid_topologies(changes, message):
    with pytest.raises(ValueError, match=message):
        build_network(replace(PAPER_LIKE, **changes))


def test_invalid_topology_lists_every_problem():
    with pytest.raises(ValueError) as error:
        build_network(replace(PAPER_LIKE, norm="group", activation="gelu"))
    assert "unknown norm" in str(error.value) and "unknown activation" in str(error.value)


def test_single_stage_network():
    net = topology(2, (4,), ((1, 1),), n_conv_decoder=(), ds=True)
    model = build_network(net)
    outputs = model.train()(torch.zeros(1, 3, 6, 5))
    assert [tuple(o.shape) for o in outputs] == [(1, 4, 6, 5)]
    assert model.eval()(torch.zeros(1, 3, 6, 5)).shape == (1, 4, 6, 5)


@pytest.mark.parametrize(("activation", "slope"), [("leaky_relu", 0.01), ("relu", 0.0)])
def test_he_initialisation(activation, slope):
    torch.manual_seed(0)
    net = topology(2, (64, 128), ((1, 1), (2, 2)), activation=activation)
    model = build_network(net)
    conv = model.encoder[1][1][0]  # second convolution of stage 1: 128 -> 128, 3x3
    fan_in = 128 * 9
    expected = math.sqrt(2 / ((1 + slope**2) * fan_in))
    assert conv.weight.std().item() == pytest.approx(expected, rel=0.02)
    assert torch.count_nonzero(conv.bias) == 0
    assert torch.count_nonzero(model.decoder[0].upsample.bias) == 0


def test_dropout_adds_layers_but_no_parameters():
    net = TOPOLOGIES["2d_paper_batch_relu"][0]
    with_dropout = build_network(net, dropout=0.2)
    assert any(isinstance(m, torch.nn.Dropout2d) for m in with_dropout.modules())
    assert count_parameters(with_dropout) == planned_parameters(net)


SUMMARY = FingerprintSummary(24, (0.8, 0.8, 2.0), {"0.5": -60.0, "99.5": 140.0}, 50.0, 25.0, 420.0)


@pytest.mark.parametrize("preset", ["default", "paper"])
def test_planned_networks(preset):
    plans = build_plans(SUMMARY, "D", preset=preset)
    for name, configuration in plans.configurations.items():
        model = build_network(configuration.network)
        assert isinstance(model, UNet)
        assert count_parameters(model) == planned_parameters(configuration.network), name
    configuration = plans.configuration("2d5")
    model = build_network(configuration.network).eval()
    for patch in configuration.patch_size.values():
        with torch.no_grad():
            output = model(torch.zeros(1, plans.num_input_channels, *patch))
        assert output.shape == (1, 11, *patch)


def blobs(count, size, seed):
    """``count`` images (3 channels) of random discs of class 1 and 2 on background, with noise."""
    rng = np.random.default_rng(seed)
    labels = np.zeros((count, size, size), np.int64)
    yy, xx = np.mgrid[:size, :size]
    for index in range(count):
        for label in (1, 2):
            cy, cx = rng.integers(6, size - 6, 2)
            radius = rng.integers(4, 8)
            labels[index][(yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2] = label
    intensity = labels.astype(np.float32) + rng.normal(0, 0.3, labels.shape).astype(np.float32)
    images = np.stack([ndimage.gaussian_filter(i, 0.5) for i in intensity])
    return torch.from_numpy(np.repeat(images[:, None], 3, axis=1)), torch.from_numpy(labels[:, None])


def test_tiny_unet_overfits_a_fixed_batch():
    torch.manual_seed(0)
    images, labels = blobs(4, 32, seed=3)
    net = topology(2, (8, 16, 32), ((1, 1), (2, 2), (2, 2)), num_classes=3)
    model = build_network(net).train()
    loss_function = build_loss("dice", 3)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(150):
        optimiser.zero_grad()
        loss = loss_function(model(images), labels)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
        if loss.item() < 0.2:
            break
    assert losses[-1] < 0.2, losses[-10:]
    assert losses[0] > 0.5


def amp_step(name, device, dtype):
    net, sizes = TOPOLOGIES[name]
    model = make(name).to(device).train()
    x = sample(net, sizes[0]).to(device)
    target = torch.randint(0, net.num_classes, (2, 1, *sizes[0]), device=device)
    with torch.autocast(device, dtype=dtype):
        outputs = model(x)
        outputs = outputs[0] if isinstance(outputs, list) else outputs
        loss = build_loss("dice_ce", net.num_classes)(outputs, target)
    assert outputs.dtype == dtype and loss.dtype == torch.float32
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


@pytest.mark.parametrize("name", ["2d_paper_batch_relu", "3d_instance_deep_supervision"])
def test_autocast_bfloat16_training_step_on_cpu(name):
    amp_step(name, "cpu", torch.bfloat16)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", IDS)
def test_autocast_float16_training_step_on_cuda(name):
    amp_step(name, "cuda", torch.float16)
