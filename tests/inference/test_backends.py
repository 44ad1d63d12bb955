"""Choosing what runs the networks: auto, torch or openvino, and the messages for impossible choices."""

import pytest
import torch

from thigh_common.errors import InvalidInputError
from thigh_inference import openvino_network
from thigh_inference.backends import resolve_backend


def test_torch_is_always_possible():
    assert resolve_backend("torch", torch.device("cpu")) == "torch"
    assert resolve_backend("torch", torch.device("cuda")) == "torch"


def test_auto_uses_openvino_on_a_cpu_when_installed(monkeypatch):
    monkeypatch.setattr(openvino_network, "openvino_available", lambda: True)
    assert resolve_backend("auto", torch.device("cpu")) == "openvino"
    assert resolve_backend("auto", torch.device("cuda", 0)) == "torch"
    monkeypatch.setattr(openvino_network, "openvino_available", lambda: False)
    assert resolve_backend("auto", torch.device("cpu")) == "torch"


def test_openvino_on_a_gpu_is_refused():
    with pytest.raises(
        InvalidInputError, match="openvino backend runs on the CPU only, but the device is cuda"
    ):
        resolve_backend("openvino", torch.device("cuda"))


def test_openvino_missing_is_explained(monkeypatch):
    monkeypatch.setattr(openvino_network, "openvino_available", lambda: False)
    with pytest.raises(InvalidInputError, match="needs the packages openvino and onnx"):
        resolve_backend("openvino", torch.device("cpu"))


def test_unknown_backend():
    with pytest.raises(
        InvalidInputError, match="unknown backend 'tensorrt'; expected one of auto, torch, openvino"
    ):
        resolve_backend("tensorrt", torch.device("cpu"))
