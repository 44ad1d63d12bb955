"""The OpenVINO runner: same logits as PyTorch, batch padding, the on-disk cache, no telemetry."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from thigh_inference import openvino_network
from thigh_inference.openvino_network import OpenVinoNetwork, cache_folder, checkpoint_key
from thigh_inference.quantisation import nncf_available
from thigh_networks import build_network
from thigh_planner.plans.schema import NetworkTopology

pytestmark = pytest.mark.skipif(not openvino_network.openvino_available(), reason="OpenVINO is not installed")


def tiny_network(spatial_dims: int = 2, norm: str = "batch") -> torch.nn.Module:
    torch.manual_seed(0)
    kernel = (3,) * spatial_dims
    spec = NetworkTopology(
        spatial_dims=spatial_dims, in_channels=3 if spatial_dims == 2 else 1, num_classes=4,
        features_per_stage=(4, 8), strides=((1,) * spatial_dims, (2,) * spatial_dims),
        kernel_sizes=(kernel, kernel), n_conv_per_stage=(1, 1), n_conv_per_stage_decoder=(1,),
        num_skip_connections=1, norm=norm, activation="relu", deep_supervision=False,
    )  # fmt: skip
    network = build_network(spec).eval()
    for module in network.modules():  # non-trivial running statistics
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    return network


@pytest.mark.parametrize("norm", ["batch", "instance"])
def test_float32_logits_equal_pytorch(norm):
    network = tiny_network(norm=norm)
    batch = torch.randn(5, 3, 16, 24)
    with torch.inference_mode():
        expected = network(batch)
    runner = OpenVinoNetwork(network)
    logits = runner(batch)
    assert logits.dtype == torch.float32 and logits.shape == expected.shape
    torch.testing.assert_close(logits, expected, atol=1e-4, rtol=1e-4)


def test_smaller_batches_are_padded_to_the_compiled_size():
    network = tiny_network()
    runner = OpenVinoNetwork(network)
    batch = torch.randn(4, 3, 16, 16)
    full = runner(batch)
    part = runner(batch[:3])
    assert part.shape[0] == 3
    torch.testing.assert_close(part, full[:3], atol=1e-5, rtol=1e-5)
    assert len(runner._compiled) == 1  # the second call reused the 4-slice model


def test_bf16_under_autocast_stays_close_to_float32():
    network = tiny_network()
    batch = torch.randn(2, 3, 16, 16)
    runner = OpenVinoNetwork(network)
    reference = runner(batch)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        low = runner(batch)
    assert {key[1] for key in runner._compiled} == {"f32", "bf16"}
    assert low.dtype == torch.float32
    assert torch.max(torch.abs(low - reference)) < 0.1


def test_three_dimensional_network():
    network = tiny_network(spatial_dims=3)
    batch = torch.randn(1, 1, 8, 16, 16)
    with torch.inference_mode():
        expected = network(batch)
    torch.testing.assert_close(OpenVinoNetwork(network)(batch), expected, atol=1e-4, rtol=1e-4)


def test_converted_network_is_cached_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("THIGH_CACHE", str(tmp_path / "cache"))
    network = tiny_network()
    batch = torch.randn(2, 3, 16, 16)
    first = OpenVinoNetwork(network, cache_key="abc123")(batch)
    files = sorted(p.name for p in (tmp_path / "cache" / "openvino").iterdir())
    assert len(files) == 2 and files[0].startswith("abc123_3x16x16_") and files[0].endswith(".bin")
    assert files[1].endswith(".xml")

    def no_export(self, spatial):
        raise AssertionError("the cached network should have been read, not exported again")

    monkeypatch.setattr(OpenVinoNetwork, "_export", no_export)
    second = OpenVinoNetwork(network, cache_key="abc123")(batch)
    torch.testing.assert_close(second, first)


def test_unwritable_cache_is_skipped_with_a_warning(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("THIGH_CACHE", str(blocker))
    logits = OpenVinoNetwork(tiny_network(), cache_key="k")(torch.randn(1, 3, 16, 16))
    assert logits.shape == (1, 4, 16, 16)
    assert "could not cache the converted network" in caplog.text


def test_cache_folder_and_checkpoint_key(tmp_path, monkeypatch):
    monkeypatch.setenv("THIGH_CACHE", str(tmp_path))
    assert cache_folder() == tmp_path / "openvino"
    path = tmp_path / "weights.pt"
    path.write_bytes(b"one")
    key = checkpoint_key(path)
    assert len(key) == 16 and key == checkpoint_key(path)
    path.write_bytes(b"two")
    assert checkpoint_key(path) != key


def test_training_mode_is_refused():
    runner = OpenVinoNetwork(tiny_network())
    assert runner.eval() is runner and runner.train(False) is runner and not runner.training
    with pytest.raises(RuntimeError, match="runs inference only"):
        runner.train()


def test_importing_openvino_this_way_loads_no_telemetry():
    code = (
        "import sys; from thigh_inference.openvino_network import import_openvino; import_openvino(); "
        "print('openvino_telemetry' in sys.modules, 'openvino' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True"]


def test_runner_works_inside_slice_prediction():
    from thigh_inference.slice_prediction import predict_leg_2d

    network = tiny_network()
    image = np.random.default_rng(0).normal(size=(6, 16, 16)).astype(np.float32)
    expected = predict_leg_2d(network, image, "axial", 1, (16, 16), batch_size=4)
    got = predict_leg_2d(OpenVinoNetwork(network), image, "axial", 1, (16, 16), batch_size=4)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_a_batch_larger_than_the_compiled_one_runs_in_chunks():
    network = tiny_network()
    batch = torch.randn(
        2 * openvino_network.COMPILED_BATCH + 3, 3, 16, 16
    )  # two full chunks and a padded one
    with torch.inference_mode():
        expected = network(batch)
    torch.testing.assert_close(OpenVinoNetwork(network)(batch), expected, atol=1e-4, rtol=1e-4)


needs_nncf = pytest.mark.skipif(not nncf_available(), reason="NNCF is not installed")


def calibration_file(folder, count: int = 16, shape=(3, 16, 16)):
    inputs = np.random.default_rng(1).normal(size=(count, *shape)).astype(np.float16)
    path = folder / "calibration.npz"
    np.savez_compressed(path, inputs=inputs)
    return path


@needs_nncf
def test_int8_network_stays_close_to_float_and_keeps_its_ends_in_float(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("THIGH_CACHE", str(tmp_path / "cache"))
    network = tiny_network()
    batch = torch.randn(11, 3, 16, 16)
    expected = OpenVinoNetwork(network)(batch)
    runner = OpenVinoNetwork(network, cache_key="k8", calibration=calibration_file(tmp_path))
    logits = runner(batch)
    assert runner.int8 and logits.shape == expected.shape
    assert float((logits - expected).abs().mean() / expected.abs().mean()) < 0.1
    assert float((logits.argmax(1) == expected.argmax(1)).float().mean()) > 0.9
    model = runner._models[((3, 16, 16), "int8")]
    convolutions = [op for op in model.get_ordered_ops() if op.get_type_name() == "Convolution"]
    reads_int8 = [c.input_value(0).get_node().get_type_name() == "FakeQuantize" for c in convolutions]
    assert reads_int8[0] is False and reads_int8[-1] is False and any(reads_int8[1:-1])
    assert any("_int8-" in p.name for p in (tmp_path / "cache" / "openvino").glob("k8_*.xml"))
    assert capsys.readouterr().out == ""  # no progress bar on standard output


@needs_nncf
def test_int8_network_is_read_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("THIGH_CACHE", str(tmp_path / "cache"))
    network = tiny_network()
    calibration = calibration_file(tmp_path)
    batch = torch.randn(3, 3, 16, 16)
    first = OpenVinoNetwork(network, cache_key="k8", calibration=calibration)(batch)

    def no_quantising(model, inputs):
        raise AssertionError("the cached int8 network should have been read, not quantised again")

    monkeypatch.setattr("thigh_inference.quantisation.quantise", no_quantising)
    second = OpenVinoNetwork(network, cache_key="k8", calibration=calibration)(batch)
    torch.testing.assert_close(second, first)


@needs_nncf
def test_calibration_of_another_shape_is_refused(tmp_path):
    runner = OpenVinoNetwork(tiny_network(), calibration=calibration_file(tmp_path, shape=(3, 8, 8)))
    with pytest.raises(ValueError, match=r"calibration inputs of shape \(3, 8, 8\), but the network runs on"):
        runner(torch.randn(1, 3, 16, 16))


@needs_nncf
def test_importing_nncf_this_way_loads_no_telemetry():
    code = (
        "import sys; from thigh_inference.quantisation import import_nncf; import_nncf(); "
        "from nncf.telemetry import wrapper; "
        "print('openvino_telemetry' in sys.modules and sys.modules['openvino_telemetry'] is not None, "
        "type(wrapper.telemetry).__name__)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "MagicMock"]


@needs_nncf
@pytest.mark.parametrize("spatial_dims", [2, 3])
def test_int8_needs_calibration_beside_a_2d_checkpoint_and_leaves_3d_in_float_quietly(
    tmp_path, spatial_dims, caplog
):
    from types import SimpleNamespace

    from thigh_inference.trained_model import load_network
    from thigh_networks.checkpoint import FINAL, save_checkpoint

    network = tiny_network(spatial_dims)
    checkpoint = tmp_path / "axial" / FINAL
    save_checkpoint(checkpoint, {"network": network.state_dict()})
    configuration = SimpleNamespace(network=network.topology)
    runner = load_network(checkpoint, configuration, torch.device("cpu"), backend="openvino", int8=True)
    assert not runner.int8  # no calibration inputs beside it: float
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    if spatial_dims == 3:  # a 3D network is never quantised: nothing to warn about
        assert warnings == []
    else:
        assert len(warnings) == 1 and "runs in float, not int8" in warnings[0]
        calibration_file(checkpoint.parent)
        assert load_network(checkpoint, configuration, torch.device("cpu"), "openvino", int8=True).int8
