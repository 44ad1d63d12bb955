"""The commands an experiment runs, one ``thighseg`` command per step, in its own process.

Each step is a real command line (``python -m MODULE ...``), so the experiment does
exactly what a user typing the commands would, and its log says which.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from thigh_evaluation.experiment.options import ExperimentOptions


@dataclass(frozen=True)
class Step:
    """One command of the experiment.

    Attributes:
        name: Short name for the log and the timing table (e.g. ``train 2d5``).
        module: The command's module, run as ``python -m module``.
        arguments: Its arguments.
        configuration: The configuration it belongs to, or None for shared steps.
    """

    name: str
    module: str
    arguments: tuple[str, ...]
    configuration: str | None = None

    @property
    def command(self) -> list[str]:
        """The full command line."""
        return [sys.executable, "-m", self.module, *self.arguments]

    @property
    def shown(self) -> str:
        """The command as a user would type it."""
        command = self.module.replace("thigh_inference.cli", "thigh_predict")
        for module, script in _SCRIPTS.items():
            command = command.replace(module, script)
        return " ".join([command, *self.arguments])


_SCRIPTS = {
    "thigh_planner.cli": "thigh_plan",
    "thigh_trainer.cli": "thigh_train",
    "thigh_evaluation.cli": "thigh_evaluate",
    "thigh_evaluation.comparison.cli": "thigh_compare",
}


@dataclass(frozen=True)
class ExperimentFolders:
    """Where an experiment keeps each part, under its output folder."""

    root: Path

    @property
    def raw(self) -> Path:
        """The training and test datasets (linked cases)."""
        return self.root / "raw"

    @property
    def preprocessed(self) -> Path:
        """``thigh_plan`` output of the training dataset."""
        return self.root / "preprocessed"

    @property
    def results(self) -> Path:
        """The trained models."""
        return self.root / "results"

    def predictions(self, configuration: str) -> Path:
        """``thigh_predict`` output of one configuration on the test scans."""
        return self.root / "predictions" / configuration

    def evaluation(self, configuration: str) -> Path:
        """``thigh_evaluate`` output of one configuration."""
        return self.root / "evaluation" / configuration

    @property
    def comparison(self) -> Path:
        """``thigh_compare`` output."""
        return self.root / "comparison"


def experiment_steps(options: ExperimentOptions, training_raw: Path, test_raw: Path) -> list[Step]:
    """Plan once; per configuration train (same budget), predict, evaluate; then compare."""
    folders = ExperimentFolders(options.output)
    folds = "2"  # the models train on every training case (fold "all"); the splits are not used
    steps = [
        Step("plan", "thigh_planner.cli", (
            str(training_raw), "--preprocessed", str(folders.preprocessed), "--preset", options.preset,
            "--workers", str(max(options.workers, 1)), "--folds", folds, "--seed", str(options.seed),
        )),
    ]  # fmt: skip
    for configuration in options.configurations:
        steps += [
            Step(f"train {configuration}", "thigh_trainer.cli", (
                configuration, "all", "-d", options.name, "--preprocessed", str(folders.preprocessed),
                "--results", str(folders.results), "--max-minutes", f"{options.minutes:g}",
                "--seed", str(options.seed), "--workers", str(options.workers),
                *options.training_overrides,
            ), configuration),
            Step(f"predict {configuration}", "thigh_inference.cli", (
                "-i", str(test_raw / "imagesTr"), "-o", str(folders.predictions(configuration)),
                "-d", options.name, "-c", configuration, "--results", str(folders.results), "--overwrite",
                *options.prediction_flags,
            ), configuration),
            Step(f"evaluate {configuration}", "thigh_evaluation.cli", (
                "-r", str(test_raw / "labelsTr"), "-p", str(folders.predictions(configuration)),
                "-o", str(folders.evaluation(configuration)),
            ), configuration),
        ]  # fmt: skip
    if len(options.configurations) > 1:
        pairs = [f"{c}={folders.evaluation(c)}" for c in options.configurations]
        steps.append(
            Step("compare", "thigh_evaluation.comparison.cli", (*pairs, "-o", str(folders.comparison)))
        )
    return steps
