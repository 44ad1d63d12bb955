"""Choosing what runs the networks: auto, torch or openvino, and the messages for impossible choices."""

import pytest
import torch

from thigh_common.errors import InvalidInputError
from thigh_inference import openvino_network, quantisation
from thigh_inference.backends import resolve_backend, resolve_int8


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


def test_int8_by_default_only_in_openvino_with_automatic_precision(monkeypatch):
    monkeypatch.setattr(quantisation, "nncf_available", lambda: True)
    assert resolve_int8(None, "openvino", "auto") is True
    assert resolve_int8(None, "openvino", "bf16") is False  # an explicit float precision is kept
    assert resolve_int8(None, "openvino", "fp32") is False
    assert resolve_int8(None, "torch", "auto") is False  # a GPU, or --backend torch
    assert resolve_int8(False, "openvino", "auto") is False  # --no-int8
    monkeypatch.setattr(quantisation, "nncf_available", lambda: False)
    assert resolve_int8(None, "openvino", "auto") is False  # without NNCF: float, no error


def test_explicit_int8_that_cannot_run_is_refused(monkeypatch):
    monkeypatch.setattr(quantisation, "nncf_available", lambda: False)
    with pytest.raises(InvalidInputError, match="--int8 needs the package nncf"):
        resolve_int8(True, "openvino", "auto")
    with pytest.raises(InvalidInputError, match="--int8 runs the networks through OpenVINO on the CPU"):
        resolve_int8(True, "torch", "auto")
