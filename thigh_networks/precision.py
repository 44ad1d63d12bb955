"""Device and numeric precision: which autocast context and gradient scaler a run uses.

Training chooses with ``--precision`` (:func:`choose_precision`); prediction with ``--amp``
(:func:`prediction_autocast`: fp16 on CUDA, bf16 on the CPU). Both resolve ``--device`` with
:func:`resolve_device`.

- CUDA: ``fp16`` autocast with ``torch.amp.GradScaler("cuda")`` (the ``auto`` choice), ``bf16``
  autocast (no scaler needed), or ``fp32``.
- CPU: ``bf16`` autocast (the ``auto`` choice where the CPU has native bf16) or ``fp32``
  (``auto`` elsewhere); ``fp16`` is refused.

Example:
    >>> import torch
    >>> precision = choose_precision("fp32", torch.device("cpu"))
    >>> precision.name, precision.scaler().is_enabled()
    ('fp32', False)
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

import torch

from thigh_common.errors import InvalidInputError


def resolve_device(request: str) -> torch.device:
    """Turn ``--device`` (``cpu``, ``cuda``, ``cuda:N``, ``auto``) into a device that exists.

    Raises:
        InvalidInputError: For an unknown name, CUDA asked for on a machine without it, or a
            CUDA index beyond the GPUs present.
    """
    text = request.strip().lower()
    if text == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if text == "cpu":
        return torch.device("cpu")
    if text == "cuda" or text.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise InvalidInputError("CUDA is not available on this machine; use --device cpu")
        device = torch.device(text)
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise InvalidInputError(
                f"--device {request}: this machine has {count} CUDA device(s) (cuda:0..cuda:{count - 1})"
            )
        return device
    raise InvalidInputError(f"unknown device {request!r}; use cpu, cuda, cuda:N or auto")


@dataclasses.dataclass(frozen=True)
class Precision:
    """The numeric precision of training on one device.

    Attributes:
        name: ``fp32``, ``bf16`` or ``fp16``.
        device_type: ``cpu`` or ``cuda``.
    """

    name: str
    device_type: str

    @property
    def dtype(self) -> torch.dtype | None:
        """The autocast dtype, None for fp32."""
        return {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[self.name]

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        """A context for the forward pass and loss: autocast, or nothing for fp32."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    def scaler(self) -> torch.amp.GradScaler:
        """A gradient scaler, enabled only for CUDA fp16 (a disabled one passes steps through)."""
        enabled = self.name == "fp16" and self.device_type == "cuda"
        return torch.amp.GradScaler(self.device_type, enabled=enabled)


def prediction_autocast(device: torch.device, enabled: bool) -> contextlib.AbstractContextManager[Any]:
    """Mixed precision for prediction: float16 on CUDA, bfloat16 elsewhere (CPU), or nothing.

    Args:
        device: The device the network runs on.
        enabled: Whether to use mixed precision at all (``--amp``).

    Returns:
        A context manager to wrap the forward pass in.
    """
    if not enabled:
        return contextlib.nullcontext()
    return Precision("fp16" if device.type == "cuda" else "bf16", device.type).autocast()


def cpu_has_native_bf16() -> bool:
    """Whether this CPU runs bf16 natively (AVX512-BF16 or AMX), where bf16 autocast is fast."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch without oneDNN
        return False


def mixed_precision_by_default(device: torch.device) -> bool:
    """Whether ``auto`` means mixed precision on ``device``: on CUDA, and on CPUs with native bf16."""
    return device.type == "cuda" or (device.type == "cpu" and cpu_has_native_bf16())


def choose_precision(request: str, device: torch.device) -> Precision:
    """Choose the precision for ``--precision`` on ``device``.

    ``auto`` is fp16 on CUDA, bf16 on a CPU with native bf16 (:func:`cpu_has_native_bf16`;
    measured to learn as well as fp32 and train 2-2.5x faster, see ``documentation/accuracy.md``),
    else fp32.

    Raises:
        InvalidInputError: For fp16 on CPU, bf16 on a GPU without bf16 support, or an unknown name.
    """
    if request == "auto":
        if device.type == "cuda":
            return Precision("fp16", device.type)
        return Precision("bf16" if mixed_precision_by_default(device) else "fp32", device.type)
    if request == "fp16" and device.type != "cuda":
        raise InvalidInputError("--precision fp16 needs a CUDA device; use bf16 or fp32 on the CPU")
    if request == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise InvalidInputError("this GPU does not support bf16; use --precision fp16 or fp32")
    if request not in ("fp32", "bf16", "fp16"):
        raise InvalidInputError(f"unknown precision {request!r}; use auto, fp32, bf16 or fp16")
    return Precision(request, device.type)
