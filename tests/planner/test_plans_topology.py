import pytest
import torch
from torch import nn

from thigh_planner.plans import FingerprintSummary, NetworkTopology, build_plans, estimate_memory_gb
from thigh_planner.plans.memory import count_activations, count_parameters
from thigh_planner.plans.presets import DEFAULT, PAPER
from thigh_planner.plans.topology import make_topology, pad_to_stride, poolings_per_axis

SUMMARY = FingerprintSummary(24, (0.8, 0.8, 2.0), {"0.5": -60.0, "99.5": 140.0}, 50.0, 25.0, 420.0)


class PlainUNet(nn.Module):
    """The U-Net a topology describes, as the memory and parameter counts assume it."""

    def __init__(self, net: NetworkTopology):
        super().__init__()
        dims = net.spatial_dims
        conv = nn.Conv2d if dims == 2 else nn.Conv3d
        up = nn.ConvTranspose2d if dims == 2 else nn.ConvTranspose3d
        norm = {
            "instance": nn.InstanceNorm2d if dims == 2 else nn.InstanceNorm3d,
            "batch": nn.BatchNorm2d if dims == 2 else nn.BatchNorm3d,
        }[net.norm]
        act = nn.LeakyReLU if net.activation == "leaky_relu" else nn.ReLU

        def block(in_channels, out_channels, count, kernel, stride):
            layers = []
            for index in range(count):
                layers += [
                    conv(
                        in_channels if index == 0 else out_channels,
                        out_channels,
                        kernel,
                        stride if index == 0 else 1,
                        [k // 2 for k in kernel],
                    ),
                    norm(out_channels, affine=True),
                    act(),
                ]
            return nn.Sequential(*layers)

        f = net.features_per_stage
        self.encoder = nn.ModuleList(
            block(
                net.in_channels if s == 0 else f[s - 1],
                f[s],
                net.n_conv_per_stage[s],
                net.kernel_sizes[s],
                net.strides[s],
            )
            for s in range(net.num_stages)
        )
        self.up = nn.ModuleList(
            up(f[s + 1], f[s], net.strides[s + 1], net.strides[s + 1]) for s in range(net.num_stages - 1)
        )
        self.decoder = nn.ModuleList(
            block(2 * f[s], f[s], net.n_conv_per_stage_decoder[s], net.kernel_sizes[s], 1)
            for s in range(net.num_stages - 1)
        )
        self.heads = nn.ModuleDict(
            {
                str(s): conv(f[s], net.num_classes, 1)
                for s in range(net.num_stages - 1)
                if s == 0 or net.deep_supervision
            }
        )

    def forward(self, x):
        skips = []
        for stage in self.encoder:
            x = stage(x)
            skips.append(x)
        outputs = []
        for s in reversed(range(len(self.decoder))):
            x = self.decoder[s](torch.cat([skips[s], self.up[s](x)], dim=1))
            if str(s) in self.heads:
                outputs.append(self.heads[str(s)](x))
        return outputs[-1]


def test_poolings_rule():
    assert poolings_per_axis((128, 180, 12), 4, 5) == (5, 5, 1)
    assert poolings_per_axis((3,), 4, 5) == (0,)


def test_features_doubling_and_caps():
    net2d = make_topology([(128, 128)], DEFAULT.rule_2d, 3, 11)
    assert net2d.features_per_stage == (16, 32, 64, 128, 256)  # five stages from 16, capped at 256
    assert net2d.total_stride == (16, 16)
    net3d = make_topology([(180, 128, 128)], DEFAULT.rule_3d, 1, 11)
    assert net3d.features_per_stage == (16, 32, 64, 128, 256)  # the same rule as 2D, in 3D
    assert net3d.total_stride == (16, 16, 16)
    anisotropic = make_topology([(24, 128, 128)], DEFAULT.rule_3d, 1, 11)
    assert anisotropic.total_stride == (4, 16, 16)
    assert pad_to_stride((181, 128), (32, 32)) == (192, 128)


@pytest.mark.parametrize("preset", ["default", "paper"])
@pytest.mark.parametrize("config", ["2d", "2d5"])
def test_planned_2d_networks_run_on_their_patches(preset, config):
    plans = build_plans(SUMMARY, "D", preset=preset)
    configuration = plans.configuration(config)
    model = PlainUNet(configuration.network).eval()
    assert sum(p.numel() for p in model.parameters()) == count_parameters(configuration.network)
    for patch in configuration.patch_size.values():
        with torch.no_grad():
            output = model(torch.zeros(1, configuration.network.in_channels, *patch))
        assert output.shape == (1, 11, *patch)


@pytest.mark.parametrize("rule", [DEFAULT.rule_3d, PAPER.rule_3d])
def test_3d_networks_run_and_parameters_match(rule):
    net = make_topology([(40, 36, 36)], rule, 1, 11)
    patch = pad_to_stride((40, 36, 36), net.total_stride)
    model = PlainUNet(net).eval()
    assert sum(p.numel() for p in model.parameters()) == count_parameters(net)
    with torch.no_grad():
        assert model(torch.zeros(1, 1, *patch)).shape == (1, 11, *patch)


@pytest.mark.parametrize(("rule", "low", "high"), [(PAPER.rule_2d, 1.3, 1.7), (DEFAULT.rule_2d, 0.9, 1.3)])
def test_activation_count_against_autograd(rule, low, high):
    # CPU, float32: count the non-parameter values autograd keeps for backward (measured
    # 1.51x for batch norm + ReLU, which keeps 2 maps per convolution, and 1.09x for instance
    # norm + leaky ReLU): the estimate is conservative but of the right size.
    net = make_topology([(128, 128)], rule, 3, 11)
    model = PlainUNet(net).train()
    parameters = {p.data_ptr() for p in model.parameters()}
    saved = {}

    def pack(tensor):
        if tensor.data_ptr() not in parameters:
            saved[(tensor.data_ptr(), tensor.numel())] = tensor.numel()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(torch.zeros(2, 3, 128, 128)).softmax(1).sum().backward()
    measured = sum(saved.values()) / 2
    assert low < count_activations(net, (128, 128)) / measured < high


def test_memory_grows_with_batch_and_patch():
    net = make_topology([(128, 128)], DEFAULT.rule_2d, 3, 11)
    by_batch = [estimate_memory_gb(net, (128, 128), b) for b in (1, 2, 4, 8)]
    assert by_batch == sorted(by_batch) and len(set(by_batch)) == 4
    by_patch = [estimate_memory_gb(net, p, 2) for p in ((64, 64), (128, 128), (192, 128), (256, 256))]
    assert by_patch == sorted(by_patch) and len(set(by_patch)) == 4
