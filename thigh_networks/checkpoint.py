"""Checkpoint files: saved atomically, loaded with clear errors, never silently dropped.

A checkpoint is a ``torch.save`` dictionary with the network, optimiser, scheduler and
gradient-scaler states, the epochs completed, the best validation metric, the random
number generator states and the hash of the plans it was trained with (the training writes
them, see :mod:`thigh_trainer.training.training_state`; prediction reads the network weights,
see :mod:`thigh_networks.weights`). It is written to
a temporary file and renamed, so a crash never leaves half a checkpoint under the final
name (a kill while writing leaves the previous checkpoint, and a hidden temporary file that
:func:`remove_leftovers` deletes on resume); a file that cannot be read anyway raises :class:`CheckpointError` rather than
starting the training over.

Example:
    >>> import tempfile, pathlib, torch
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "checkpoint_latest.pt"
    >>> save_checkpoint(path, {"network": torch.nn.Linear(1, 1).state_dict(), "epoch": 3})
    >>> load_checkpoint(path, required=("network", "epoch"))["epoch"]
    3
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from thigh_common.atomic import atomic_path, remove_stale_temporaries
from thigh_common.errors import ThighSegError
from thigh_common.model_files.layout import BEST_CHECKPOINT, FINAL_CHECKPOINT, LATEST_CHECKPOINT

logger = logging.getLogger(__name__)

LATEST = LATEST_CHECKPOINT
BEST = BEST_CHECKPOINT
FINAL = FINAL_CHECKPOINT
TRAINING_KEYS: tuple[str, ...] = (
    "network",
    "optimizer",
    "scheduler",
    "grad_scaler",
    "epoch",
    "best_metric",
    "rng",
    "plans_sha1",
)
"""Keys every checkpoint written by the training loop holds."""


class CheckpointError(ThighSegError):
    """A checkpoint file cannot be read or does not fit the run; never a reason to start over silently."""


def damaged(path: Path, reason: str) -> CheckpointError:
    """The error for a checkpoint that cannot be used."""
    return CheckpointError(
        f"checkpoint {path} is damaged ({reason}); delete it to start over, or restore a copy"
    )


def save_checkpoint(path: str | os.PathLike[str], content: dict[str, Any]) -> None:
    """Write ``content`` to ``path`` atomically (temporary file beside it, then ``os.replace``)."""
    with atomic_path(path) as temporary:
        torch.save(content, temporary)


def remove_leftovers(folder: Path) -> None:
    """Delete the temporary files a killed run left in a network's ``folder``.

    A run killed while writing a checkpoint (or a progress file) leaves the previous one under
    the final name and its half-written successor under a hidden temporary name (as large as a
    checkpoint); the resuming run calls this before it starts. The folder belongs to one run.
    """
    for path in remove_stale_temporaries(folder):
        logger.info("removed %s, left half-written by a run that was killed", path.name)


def load_checkpoint(
    path: str | os.PathLike[str],
    required: Sequence[str] = TRAINING_KEYS,
    map_location: str | torch.device = "cpu",
) -> dict[str, Any]:
    """Read a checkpoint and check that it holds the ``required`` keys.

    Only tensors and plain Python values are unpickled (``weights_only=True``).

    Raises:
        CheckpointError: For a missing file, a truncated or corrupt file, or missing keys.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist; train first or check the path")
    try:
        content = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # torch raises RuntimeError, EOFError, UnpicklingError, ...
        raise damaged(
            path, f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        ) from error
    if not isinstance(content, dict):
        raise damaged(path, f"expected a dictionary, found {type(content).__name__}")
    missing = [key for key in required if key not in content]
    if missing:
        raise damaged(path, f"missing {', '.join(missing)}")
    return content
