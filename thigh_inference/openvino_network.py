"""Run a trained network with OpenVINO on the CPU: same weights, 1.6-2.2x faster than PyTorch there.

On the 2-core CPU of the project's benchmark machine (AVX-512 with bf16), the
paper's 2D U-Net ran 125 slices/s (128 x 128) in OpenVINO with bf16 against 71 in
PyTorch eager with bf16 autocast and channels-last, and 47 against 35 in float32
(``benchmarks/bench_networks.py``). OpenVINO's float32 output equals PyTorch's to
1e-5; its bf16 output differs as much as PyTorch's own bf16 autocast does.

The network is exported once to ONNX in memory (``torch.onnx.export``) and read
by OpenVINO; the result is kept in a cache folder keyed by the checkpoint's
content, the input shape and the library versions, so later runs skip the export.
OpenVINO then compiles it for a fixed input shape (the batch is padded to the
compiled size), with ``f32`` or ``bf16`` inference precision.

OpenVINO's Python package sends usage telemetry when its model-conversion tools
are imported; thighseg never uses those tools and blocks their import, so nothing
leaves the machine.

Example:
    >>> runner = OpenVinoNetwork(network, cache_key="fold_0/axial/3f2a...")
    >>> logits = runner(batch)  # torch.Tensor (B, C, H, W), float32
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import io
import logging
import os
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from thigh_common.atomic import atomic_path
from thigh_common.imports import import_blocking

logger = logging.getLogger(__name__)

CACHE_ENVIRONMENT = "THIGH_CACHE"
"""Environment variable naming the cache folder (default ``~/.cache/thighseg``)."""

ONNX_OPSET = 17
COMPILED_BATCH = 8
"""Batch size the networks are compiled for: as fast per slice as 16-32 on the benchmark CPU
(128-131 slices/s, bf16), and it wastes at most 7 padded slices at the end of a leg."""
_CONVERSION_TOOLS = "openvino.tools.ovc"
_lock = threading.Lock()


def import_openvino() -> Any:
    """Import OpenVINO without its model-conversion tools (and so without their telemetry).

    ``import openvino`` tries ``from openvino.tools.ovc import convert_model`` inside a
    try/except ImportError; that import would send a telemetry event.

    Returns:
        The ``openvino`` module.

    Raises:
        ImportError: If OpenVINO is not installed.
    """
    return import_blocking("openvino", _CONVERSION_TOOLS)


def openvino_available() -> bool:
    """Whether OpenVINO (and the ONNX exporter it is fed from) can be used here."""
    try:
        import_openvino()
    except ImportError:
        return False
    # torch's ONNX exporter needs onnx; finding it is enough (importing it takes half a second).
    return importlib.util.find_spec("onnx") is not None


@functools.cache
def openvino_core() -> Any:
    """The process's OpenVINO ``Core``; compiled models are cached in ``cache_folder() / "compiled"``.

    OpenVINO keys that cache by the model, the device and the compile options, so a
    later run loads a compiled network instead of compiling it (about 0.3 s each).
    """
    core = import_openvino().Core()
    compiled = cache_folder() / "compiled"
    try:
        compiled.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        logger.warning("no cache for compiled networks in %s (%s)", compiled, error)
    else:
        core.set_property({"CACHE_DIR": str(compiled)})
    return core


def cache_folder() -> Path:
    """The folder for converted networks: ``$THIGH_CACHE`` or ``~/.cache/thighseg``, + ``/openvino``."""
    root = os.environ.get(CACHE_ENVIRONMENT) or Path(
        os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")
    ) / ("thighseg")
    return Path(root) / "openvino"


def checkpoint_key(path: Path) -> str:
    """A key that changes whenever the checkpoint's content does (SHA-256 of its bytes, 16 hex digits)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


class OpenVinoNetwork:
    """A drop-in for a PyTorch segmentation network at inference: call it on a batch, get logits.

    It keeps the PyTorch module (for its export) and compiles one OpenVINO model per
    input shape and precision on first use, for batches of :data:`COMPILED_BATCH` (a larger
    batch runs in chunks, a smaller one is padded). The precision follows the caller: inside
    ``torch.autocast("cpu", dtype=torch.bfloat16)`` it runs in bf16, otherwise in f32. With
    ``calibration`` the convolutions run in int8 (:mod:`thigh_inference.quantisation`), the
    rest in that precision. ``eval()`` and ``train()`` are accepted so code written for
    ``nn.Module`` works.

    Args:
        network: The trained network, in eval mode, on the CPU.
        cache_key: Identifies the weights (e.g. from :func:`checkpoint_key`); None disables the
            on-disk cache.
        threads: Inference threads (default: ``torch.get_num_threads()``).
        calibration: A calibration file (:mod:`thigh_inference.calibration`): quantise to int8
            with its inputs. None runs the float network.
    """

    def __init__(
        self,
        network: nn.Module,
        cache_key: str | None = None,
        threads: int | None = None,
        calibration: Path | None = None,
    ) -> None:
        self.network = network.eval()
        self.cache_key = cache_key
        self.threads = threads or torch.get_num_threads()
        self.calibration = calibration
        self.training = False
        self._compiled: dict[tuple[tuple[int, ...], str], Any] = {}
        self._models: dict[tuple[tuple[int, ...], str], Any] = {}  # (input shape, float or int8)

    @property
    def int8(self) -> bool:
        """Whether the network runs quantised to 8-bit integers (it has calibration inputs)."""
        return self.calibration is not None

    def eval(self) -> OpenVinoNetwork:
        """No-op (always in inference mode); returns self like ``nn.Module.eval``."""
        return self

    def train(self, mode: bool = True) -> OpenVinoNetwork:
        """Accepts ``train(False)``; training an OpenVINO model is not possible."""
        if mode:
            raise RuntimeError("an OpenVINO network runs inference only; train the PyTorch network")
        return self

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, C, *spatial)`` float32 for ``batch`` ``(B, in_channels, *spatial)``."""
        return torch.from_numpy(self._infer(batch).copy())

    def probabilities(self, batch: torch.Tensor) -> torch.Tensor:
        """Softmax over the classes of the logits, float32, computed straight from OpenVINO's output buffer."""
        return torch.softmax(torch.from_numpy(self._infer(batch)), dim=1)

    def _infer(self, batch: torch.Tensor) -> np.ndarray:
        """Logits of ``batch``.

        For exactly one compiled batch, a view of the request's output buffer (overwritten by the next call).
        """
        precision = "bf16" if torch.is_autocast_enabled("cpu") else "f32"
        inputs = np.ascontiguousarray(batch.detach().float().cpu().numpy())
        request = self._request(inputs.shape[1:], precision)
        output = request.model_outputs[0]
        count = inputs.shape[0]
        if count == COMPILED_BATCH:
            outputs = request.infer({0: inputs}, share_inputs=True, share_outputs=True)
            return np.asarray(outputs[output], dtype=np.float32)
        logits: np.ndarray | None = None
        for start in range(0, count, COMPILED_BATCH):
            chunk = inputs[start : start + COMPILED_BATCH]
            size = chunk.shape[0]
            if size < COMPILED_BATCH:  # the last, partial chunk: pad with zeros
                padding = np.zeros((COMPILED_BATCH - size, *chunk.shape[1:]), dtype=np.float32)
                chunk = np.concatenate([chunk, padding])
            result = np.asarray(request.infer({0: chunk}, share_inputs=True, share_outputs=True)[output])
            if logits is None:
                logits = np.empty((count, *result.shape[1:]), dtype=np.float32)
            logits[start : start + size] = result[:size]
        assert logits is not None
        return logits

    def _request(self, spatial: tuple[int, ...], precision: str) -> Any:
        """The infer request for inputs ``(COMPILED_BATCH, *spatial)`` in ``precision``, compiled on first use."""
        key = (spatial, precision)
        if key in self._compiled:
            return self._compiled[key]
        model = self._runnable_model(spatial).clone()
        model.reshape({0: [COMPILED_BATCH, *spatial]})
        properties = {"INFERENCE_PRECISION_HINT": precision, "INFERENCE_NUM_THREADS": self.threads}
        compiled = openvino_core().compile_model(model, "CPU", properties)
        request = compiled.create_infer_request()
        self._compiled[key] = request
        logger.debug(
            "OpenVINO: compiled %s for input %s in %s%s",
            self.cache_key or "network",
            spatial,
            precision,
            " with int8 convolutions" if self.int8 else "",
        )
        return request

    def _runnable_model(self, spatial: tuple[int, ...]) -> Any:
        """The float model, or with calibration its int8 quantisation (cached like the float one)."""
        if self.calibration is None:
            return self._model(spatial)
        key = (spatial, "int8")
        if key in self._models:
            return self._models[key]
        from thigh_inference.calibration import read_calibration
        from thigh_inference.quantisation import quantise

        openvino = import_openvino()
        cached = self._cache_path(spatial, f"int8-{checkpoint_key(self.calibration)}")
        model = None
        if cached is not None and cached.is_file():
            with contextlib.suppress(RuntimeError):
                model = openvino_core().read_model(str(cached))
        if model is None:
            inputs = read_calibration(self.calibration)
            if inputs.shape[1:] != spatial:
                raise ValueError(
                    f"{self.calibration}: calibration inputs of shape {inputs.shape[1:]}, but the network "
                    f"runs on {spatial}; retrain the network to rewrite its calibration inputs"
                )
            logger.info(
                "quantising %s to int8 on %d calibration inputs (once; cached)",
                self.cache_key or "network",
                len(inputs),
            )
            model = quantise(self._model(spatial), inputs)
            if cached is not None:
                self._save(openvino, model, cached)
        self._models[key] = model
        return model

    def _model(self, spatial: tuple[int, ...]) -> Any:
        """The OpenVINO model for inputs of ``spatial`` shape ``(channels, *size)``, batch dynamic."""
        if (spatial, "float") in self._models:
            return self._models[(spatial, "float")]
        openvino = import_openvino()
        core = openvino_core()
        cached = self._cache_path(spatial)
        model = None
        if cached is not None and cached.is_file():
            with contextlib.suppress(RuntimeError):
                model = core.read_model(str(cached))
        if model is None:
            model = core.read_model(self._export(spatial))
            if cached is not None:
                self._save(openvino, model, cached)
        self._models[(spatial, "float")] = model
        return model

    def _export(self, spatial: tuple[int, ...]) -> bytes:
        """ONNX bytes of the network for inputs ``(batch, *spatial)`` with a dynamic batch axis."""
        example = torch.zeros((1, *spatial), dtype=torch.float32)
        buffer = io.BytesIO()
        # The caller may be inside autocast; the exported graph must stay float32.
        with warnings.catch_warnings(), torch.no_grad(), torch.autocast("cpu", enabled=False):
            # The TorchScript-based exporter is deprecated in favour of torch.export, which needs
            # onnxscript; it handles these plain convolutional networks exactly.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                self.network,
                example,
                buffer,
                input_names=["image"],
                output_names=["logits"],
                dynamic_axes={"image": {0: "batch"}},
                opset_version=ONNX_OPSET,
                dynamo=False,
            )
        return buffer.getvalue()

    def _cache_path(self, spatial: tuple[int, ...], variant: str = "") -> Path | None:
        if self.cache_key is None:
            return None
        openvino = import_openvino()
        versions = f"ov{openvino.__version__.split('-')[0]}_torch{torch.__version__.split('+')[0]}".replace(
            ".", "-"
        )
        size = "x".join(str(s) for s in spatial)
        suffix = f"_{variant}" if variant else ""
        return cache_folder() / f"{self.cache_key}_{size}_{versions}{suffix}.xml"

    @staticmethod
    def _save(openvino: Any, model: Any, path: Path) -> None:
        """Write the model as OpenVINO IR (``.xml`` + ``.bin``); a cache that cannot be written is skipped."""
        try:
            with _lock:
                path.parent.mkdir(parents=True, exist_ok=True)
                weights = path.with_suffix(".bin")
                # The weights land first, so an .xml in the cache always has its .bin.
                with atomic_path(path) as temporary, atomic_path(weights) as temporary_weights:
                    openvino.save_model(model, str(temporary), compress_to_fp16=False)
                    os.replace(Path(temporary).with_suffix(".bin"), temporary_weights)
        except OSError as error:
            logger.warning(
                "could not cache the converted network in %s (%s); it is converted again next run",
                path.parent,
                error,
            )
