"""Training of one fold: the epoch loop, checkpoints, progress logs, DDP and the final validation.

Example:
    >>> from thigh_trainer.training import TrainingOptions, train_fold
    >>> train_fold(TrainingOptions(configuration="2d5", fold=0, epochs=1))  # doctest: +SKIP
"""

from thigh_trainer.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from thigh_trainer.training.options import TrainingOptions, parse_fold
from thigh_trainer.training.run import train_fold

__all__ = [
    "CheckpointError",
    "TrainingOptions",
    "load_checkpoint",
    "parse_fold",
    "save_checkpoint",
    "train_fold",
]
