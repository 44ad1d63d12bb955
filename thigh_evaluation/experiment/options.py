"""What ``thigh_experiment`` was asked to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CONFIGURATIONS: tuple[str, ...] = ("2d", "2d5", "3d")


@dataclass(frozen=True)
class ExperimentOptions:
    """The experiment: data, split, the configurations and their common training budget.

    Attributes:
        raw: The raw dataset folder.
        output: The experiment folder (everything is written under it).
        train: Training cases (None: every case not held out).
        test: Held-out test cases.
        configurations: Which of 2d, 2d5, 3d to train and compare.
        minutes: Training time budget of each configuration (``thigh_train --max-minutes``).
        preset: Plans preset (``default`` or ``paper``).
        seed: Seed of the split and of training.
        training_overrides: Extra ``thigh_train`` flags, the same for every configuration
            (``--epochs``, ``--iterations``, ``--batch-size``, ``--lr``, ``--precision``, ``--device``).
        prediction_flags: Extra ``thigh_predict`` flags (``--device``, ``--amp``).
        workers: Worker processes for planning and for training data.
    """

    raw: Path
    output: Path
    train: int | None = 19
    test: int = 5
    configurations: tuple[str, ...] = CONFIGURATIONS
    minutes: float = 60.0
    preset: str = "default"
    seed: int = 0
    training_overrides: tuple[str, ...] = field(default_factory=tuple)
    prediction_flags: tuple[str, ...] = field(default_factory=tuple)
    workers: int = 2

    @property
    def name(self) -> str:
        """Name of the training dataset (the raw dataset's name with ``_train``)."""
        return f"{self.raw.name}_train"
