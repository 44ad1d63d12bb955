"""8-bit integer networks for the CPU: post-training quantisation with NNCF, cached beside the float models.

NNCF (OpenVINO's Neural Network Compression Framework) inserts quantise and
dequantise steps around the convolutions of an OpenVINO model, with ranges measured
on calibration inputs (:mod:`thigh_inference.calibration`); OpenVINO then runs those
convolutions in int8 (AVX-512 VNNI or AMX where the CPU has them). On the project's
2-core benchmark machine the paper's 2D U-Net ran 237-249 slices/s in int8 against
127-134 in bf16 (``benchmarks/bench_networks.py``). On a phantom model 1.7% of the
labelled voxels changed against float32 and the Dice did not drop (see
``documentation/thigh_predict.md``).

NNCF, like OpenVINO's tools, can send usage telemetry; :func:`import_nncf` loads it
with its telemetry package blocked, so nothing leaves the machine.

Example:
    >>> quantised = quantise(model, read_calibration(path))  # an openvino.Model
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
from typing import Any

import numpy as np

from thigh_common.imports import import_blocking

logger = logging.getLogger(__name__)

_TELEMETRY = "openvino_telemetry"


def nncf_available() -> bool:
    """Whether NNCF is installed (without importing it)."""
    return importlib.util.find_spec("nncf") is not None


def import_nncf() -> Any:
    """Import NNCF with its telemetry blocked and its logging quiet.

    Returns:
        The ``nncf`` module.

    Raises:
        ImportError: If NNCF is not installed.
    """
    # NNCF imports ``openvino_telemetry`` in a try/except ImportError and falls back to a stub
    # that sends nothing.
    nncf = import_blocking("nncf", _TELEMETRY)
    nncf.set_log_level(logging.WARNING)
    return nncf


def quantise(model: Any, inputs: np.ndarray) -> Any:
    """Quantise an OpenVINO model's weights and activations to int8 with NNCF's default method.

    The first convolution (which reads the normalised intensities) and the last (which
    writes the logits) stay in float. Quantising the first too changed the labels of a
    2d5 phantom model in 5.0% of the labelled voxels against bf16 and lowered its Dice
    by 0.011; keeping both ends in float brought that to 1.6% and +0.002, for 2% of the
    speed (249 against 255 slices/s).

    Args:
        model: An ``openvino.Model`` taking ``(B, *inputs.shape[1:])``; it is not changed.
        inputs: Calibration inputs ``(N, ...)`` float32, one per statistics sample.

    Returns:
        A new ``openvino.Model`` with batch size 1 (reshape it before compiling for other batches).
    """
    nncf = import_nncf()
    single = model.clone()
    single.reshape({0: [1, *inputs.shape[1:]]})
    samples = [np.ascontiguousarray(inputs[i : i + 1], dtype=np.float32) for i in range(len(inputs))]
    convolutions = [
        op.get_friendly_name() for op in single.get_ordered_ops() if op.get_type_name() == "Convolution"
    ]
    kept_float = (
        nncf.IgnoredScope(names=sorted({convolutions[0], convolutions[-1]})) if convolutions else None
    )
    with contextlib.redirect_stdout(io.StringIO()):  # NNCF's progress bar; the caller logs instead
        return nncf.quantize(
            single, nncf.Dataset(samples), subset_size=len(samples), ignored_scope=kept_float
        )
