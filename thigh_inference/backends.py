"""Which engine runs the networks at inference: PyTorch, or OpenVINO on the CPU.

``auto`` (the default of ``thigh_predict``) picks OpenVINO when the networks run on
the CPU and OpenVINO is installed, and PyTorch otherwise (always on a GPU). Both
give the same labels up to floating-point rounding; OpenVINO is the faster on a
CPU (see :mod:`thigh_inference.openvino_network`).

Example:
    >>> resolve_backend("auto", torch.device("cuda"))
    'torch'
"""

from __future__ import annotations

import torch

from thigh_common.errors import InvalidInputError

BACKENDS: tuple[str, ...] = ("auto", "torch", "openvino")


def resolve_backend(requested: str, device: torch.device) -> str:
    """Turn ``auto`` into ``torch`` or ``openvino`` and check that the choice can run on ``device``.

    Args:
        requested: ``auto``, ``torch`` or ``openvino``.
        device: Where the networks would run.

    Returns:
        ``torch`` or ``openvino``.

    Raises:
        InvalidInputError: For an unknown name, OpenVINO on a GPU, or OpenVINO not installed.
    """
    from thigh_inference.openvino_network import openvino_available

    if requested not in BACKENDS:
        raise InvalidInputError(f"unknown backend {requested!r}; expected one of {', '.join(BACKENDS)}")
    if requested == "torch":
        return "torch"
    if requested == "auto":
        return "openvino" if device.type == "cpu" and openvino_available() else "torch"
    if device.type != "cpu":
        raise InvalidInputError(
            f"the openvino backend runs on the CPU only, but the device is {device}; "
            "use --backend torch (or auto) on a GPU, or --device cpu"
        )
    if not openvino_available():
        raise InvalidInputError(
            "the openvino backend needs the packages openvino and onnx (pip install openvino onnx); "
            "or use --backend torch"
        )
    return "openvino"


def resolve_int8(requested: bool | None, backend: str, precision: str) -> bool:
    """Whether the 2D networks run quantised to 8-bit integers.

    Args:
        requested: ``--int8`` (True), ``--no-int8`` (False), or None for the default: int8 when the
            networks run in OpenVINO, ``--precision`` is ``auto`` and NNCF is installed. On trained
            phantom models int8 gave the same Dice as bf16 (``documentation/thigh_predict.md``), with
            the default network about 1.25x faster.
        backend: ``torch`` or ``openvino`` (from :func:`resolve_backend`).
        precision: The ``--precision`` asked for (``auto``, ``fp32``, ``bf16`` or ``fp16``).

    Raises:
        InvalidInputError: As :func:`check_int8`, for an explicit ``--int8`` that cannot run.
    """
    if requested is None:
        from thigh_inference.quantisation import nncf_available

        return backend == "openvino" and precision == "auto" and nncf_available()
    check_int8(requested, backend)
    return requested


def check_int8(int8: bool, backend: str) -> None:
    """Check that 8-bit networks can run: they need the OpenVINO backend (so the CPU) and NNCF.

    Raises:
        InvalidInputError: With ``int8`` on the PyTorch backend, or without NNCF installed.
    """
    if not int8:
        return
    if backend != "openvino":
        raise InvalidInputError(
            "--int8 runs the networks through OpenVINO on the CPU, but the backend is torch "
            "(a GPU, or --backend torch); drop --int8 (use --precision fp16 on a GPU), or use --backend openvino"
        )
    from thigh_inference.quantisation import nncf_available

    if not nncf_available():
        raise InvalidInputError("--int8 needs the package nncf (pip install nncf); or drop --int8")
