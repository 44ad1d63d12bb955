"""Training of one fold: the epoch loop, checkpoints, progress logs, DDP and the final validation.

Example:
    >>> from thigh_trainer.training import TrainingOptions, train_fold
    >>> train_fold(TrainingOptions(configuration="2d5", fold=0, epochs=1))  # doctest: +SKIP
"""

from thigh_common.imports import lazy_exports
from thigh_networks.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from thigh_trainer.training.options import TrainingOptions, parse_fold

__all__ = [
    "CheckpointError",
    "TrainingOptions",
    "load_checkpoint",
    "parse_fold",
    "save_checkpoint",
    "train_fold",
]

# train_fold pulls in the data pipeline (batchgenerators, scipy); thigh_predict needs only the
# checkpoints, and starts about 0.7 s sooner without it.
__getattr__ = lazy_exports(__name__, {"train_fold": "run"})
