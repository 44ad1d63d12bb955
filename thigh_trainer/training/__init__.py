"""Training of one fold: the epoch loop, checkpoints, progress logs, DDP and the final validation.

Example:
    >>> from thigh_trainer.training import TrainingOptions, train_fold
    >>> train_fold(TrainingOptions(configuration="2d5", fold=0, epochs=1))  # doctest: +SKIP
"""

from typing import Any

from thigh_trainer.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from thigh_trainer.training.options import TrainingOptions, parse_fold

__all__ = [
    "CheckpointError",
    "TrainingOptions",
    "load_checkpoint",
    "parse_fold",
    "save_checkpoint",
    "train_fold",
]


def __getattr__(name: str) -> Any:
    """Import ``train_fold`` on first use.

    It pulls in the data pipeline (batchgenerators, scipy); ``thigh_predict`` needs only the
    checkpoints, and starts about 0.7 s sooner without it.
    """
    if name == "train_fold":
        from thigh_trainer.training.run import train_fold

        return train_fold
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
