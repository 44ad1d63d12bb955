"""What ``thigh_train`` was asked to do, and how its flags change the plans.

Example:
    >>> options = TrainingOptions(configuration="2d5", fold=0, epochs=5)
    >>> options.fold_name, options.plans_overrides()
    ('fold_0', {'epochs': 5})
    >>> parse_fold("all") is None
    True
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from thigh_common.errors import InvalidInputError
from thigh_planner.plans import CONFIGURATION_NAMES, Configuration, Plans, with_overrides
from thigh_planner.plans.geometry import ORIENTATIONS

ALL_FOLDS = "all"
DEVICES_HELP = "cpu, cuda, cuda:N or auto"
PRECISIONS: tuple[str, ...] = ("auto", "fp32", "bf16", "fp16")


def parse_fold(text: str | int | None) -> int | None:
    """Parse a fold argument: an integer >= 0, or ``"all"`` (returned as None).

    Raises:
        InvalidInputError: For anything else.
    """
    if text is None or (isinstance(text, str) and text.strip().lower() == ALL_FOLDS):
        return None
    try:
        fold = int(text)
    except (TypeError, ValueError):
        raise InvalidInputError(f"fold {text!r}: expected a fold number (0, 1, ...) or 'all'") from None
    if fold < 0:
        raise InvalidInputError(f"fold {fold}: expected a fold number >= 0 or 'all'")
    return fold


@dataclasses.dataclass(frozen=True)
class TrainingOptions:
    """Everything one ``thigh_train`` run needs besides the plans.

    Attributes:
        configuration: ``2d``, ``2d5`` or ``3d``.
        fold: Cross-validation fold, or None for ``all`` (every case trains, no validation).
        dataset: Name of the planned dataset under the preprocessed root (None: the only one).
        preprocessed_root: Overrides ``THIGH_PREPROCESSED``.
        results_root: Overrides ``THIGH_RESULTS``.
        orientation: Train only this orientation of a 2D configuration (None: all of them).
        epochs, iterations, batch_size, learning_rate: Overrides of the plans (None: keep).
        max_minutes: Time budget of the whole run (None: unlimited), split across networks.
        device: ``cpu``, ``cuda``, ``cuda:N`` or ``auto``.
        precision: ``auto`` (fp16 on CUDA, fp32 on CPU), ``fp32``, ``bf16`` or ``fp16``.
        seed: Seed of data sampling, augmentation and initialisation.
        resume: Continue from ``checkpoint_latest.pt`` (finished networks are skipped).
        workers: Data worker processes (0: load batches in the training process).
        validation_batches: Fixed validation batches scored after every epoch.
        final_validation: Predict the fold's validation legs at the end.
        pretrained: Start every network from the weights of this model (folder, fold folder,
            archive or installed name) with a fresh optimiser and schedule (None: random weights).
        freeze_encoder: Keep the encoder's (pretrained) weights fixed; train decoder and heads only.
    """

    configuration: str
    fold: int | None
    dataset: str | None = None
    preprocessed_root: Path | None = None
    results_root: Path | None = None
    orientation: str | None = None
    epochs: int | None = None
    iterations: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    max_minutes: float | None = None
    device: str = "auto"
    precision: str = "auto"
    seed: int = 0
    resume: bool = False
    workers: int = 0
    validation_batches: int = 10
    final_validation: bool = True
    pretrained: str | None = None
    freeze_encoder: bool = False

    def __post_init__(self) -> None:
        problems = []
        if self.configuration not in CONFIGURATION_NAMES:
            problems.append(
                f"unknown configuration {self.configuration!r}; choose one of {', '.join(CONFIGURATION_NAMES)}"
            )
        if self.orientation is not None and self.orientation not in ORIENTATIONS:
            problems.append(
                f"unknown orientation {self.orientation!r}; choose one of {', '.join(ORIENTATIONS)}"
            )
        for name in ("epochs", "iterations", "batch_size"):
            value = getattr(self, name)
            if value is not None and value < 1:
                problems.append(f"--{name.replace('_', '-')} must be at least 1, got {value}")
        if self.learning_rate is not None and not self.learning_rate > 0:
            problems.append(f"--lr must be positive, got {self.learning_rate}")
        if self.max_minutes is not None and not self.max_minutes > 0:
            problems.append(f"--max-minutes must be positive, got {self.max_minutes}")
        if self.precision not in PRECISIONS:
            problems.append(f"unknown precision {self.precision!r}; choose one of {', '.join(PRECISIONS)}")
        if self.workers < 0:
            problems.append(f"--workers must be 0 or more, got {self.workers}")
        if self.validation_batches < 1:
            problems.append(f"validation_batches must be at least 1, got {self.validation_batches}")
        if self.freeze_encoder and not self.pretrained:
            problems.append(
                "--freeze-encoder needs --pretrained MODEL (a frozen random encoder learns nothing)"
            )
        if problems:
            raise InvalidInputError("; ".join(problems))

    @property
    def fold_name(self) -> str:
        """Results folder name of the fold: ``fold_0`` ... or ``fold_all``."""
        return f"fold_{ALL_FOLDS if self.fold is None else self.fold}"

    def plans_overrides(self) -> dict[str, Any]:
        """The flags that change the plans, as keyword arguments of ``with_overrides``."""
        overrides: dict[str, Any] = {}
        if self.epochs is not None:
            overrides["epochs"] = self.epochs
        if self.iterations is not None:
            overrides["iterations_per_epoch"] = self.iterations
        if self.batch_size is not None:
            overrides["batch_size"] = self.batch_size
        if self.learning_rate is not None:
            overrides["learning_rate"] = self.learning_rate
        return overrides

    def apply_to(self, plans: Plans) -> Plans:
        """Return ``plans`` with this run's overrides applied to its configuration."""
        overrides = self.plans_overrides()
        return with_overrides(plans, self.configuration, **overrides) if overrides else plans

    def network_names(self, configuration: Configuration) -> tuple[str, ...]:
        """The networks of ``configuration`` this run trains.

        Raises:
            InvalidInputError: If ``orientation`` is not one of the configuration's.
        """
        names = configuration.network_names
        if self.orientation is None:
            return names
        if self.orientation not in names:
            raise InvalidInputError(
                f"--orientation {self.orientation}: configuration {self.configuration} trains "
                f"{', '.join(names)}; leave --orientation out or choose one of those"
            )
        return (self.orientation,)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (paths as strings)."""
        return {
            key: str(value) if isinstance(value, Path) else value
            for key, value in dataclasses.asdict(self).items()
        }
