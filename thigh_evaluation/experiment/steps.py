"""What an experiment is asked to do, and the commands it runs, one ``thighseg`` command per step.

Each step is a real command line run in its own process; its output goes to the console and its log.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from thigh_common.errors import ThighSegError

CONFIGURATIONS: tuple[str, ...] = ("2d", "2d5", "3d")


@dataclass(frozen=True)
class ExperimentOptions:
    """The experiment: data, split (``train`` None: every case not held out), configurations and their budget.

    ``minutes`` is each configuration's ``thigh_train --max-minutes``; ``training_overrides`` and
    ``prediction_flags`` are extra flags of ``thigh_train`` and ``thigh_predict`` for every configuration.
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


@dataclass(frozen=True)
class Step:
    """One command of the experiment (``python -m module arguments``), named for the log and timing table."""

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
        Step(
            "plan",
            "thigh_planner.cli",
            (
                str(training_raw),
                "--preprocessed",
                str(folders.preprocessed),
                "--preset",
                options.preset,
                "--workers",
                str(max(options.workers, 1)),
                "--folds",
                folds,
                "--seed",
                str(options.seed),
            ),
        ),
    ]
    for configuration in options.configurations:
        steps += [
            Step(
                f"train {configuration}",
                "thigh_trainer.cli",
                (
                    configuration,
                    "all",
                    "-d",
                    options.name,
                    "--preprocessed",
                    str(folders.preprocessed),
                    "--results",
                    str(folders.results),
                    "--max-minutes",
                    f"{options.minutes:g}",
                    "--seed",
                    str(options.seed),
                    "--workers",
                    str(options.workers),
                    *options.training_overrides,
                ),
                configuration,
            ),
            Step(
                f"predict {configuration}",
                "thigh_inference.cli",
                (
                    "-i",
                    str(test_raw / "imagesTr"),
                    "-o",
                    str(folders.predictions(configuration)),
                    "-d",
                    options.name,
                    "-c",
                    configuration,
                    "--results",
                    str(folders.results),
                    "--overwrite",
                    *options.prediction_flags,
                ),
                configuration,
            ),
            Step(
                f"evaluate {configuration}",
                "thigh_evaluation.cli",
                (
                    "-r",
                    str(test_raw / "labelsTr"),
                    "-p",
                    str(folders.predictions(configuration)),
                    "-o",
                    str(folders.evaluation(configuration)),
                ),
                configuration,
            ),
        ]
    if len(options.configurations) > 1:
        pairs = [f"{c}={folders.evaluation(c)}" for c in options.configurations]
        steps.append(
            Step("compare", "thigh_evaluation.comparison.cli", (*pairs, "-o", str(folders.comparison)))
        )
    return steps


TAIL_LINES = 5


class StepFailedError(ThighSegError):
    """A command of the experiment exited with an error; the message names it and its log."""


def run_step(step: Step, log_path: Path, echo: bool = True) -> float:
    """Run ``step``, its output copied to ``log_path`` and, if ``echo``, to stderr; returns its seconds.

    Raises:
        StepFailedError: If the command exits with a non-zero status.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(log_path, "wb") as log:
        log.write(f"$ {step.shown}\n".encode())
        log.flush()
        # Unbuffered, so that a long step's progress shows while it runs, not when it ends.
        environment = dict(os.environ, PYTHONUNBUFFERED="1")
        process = subprocess.Popen(
            step.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment
        )
        assert process.stdout is not None
        while chunk := os.read(process.stdout.fileno(), 1 << 14):
            log.write(chunk)
            log.flush()
            if echo:
                sys.stderr.buffer.write(chunk)
                sys.stderr.flush()
        status = process.wait()
    if status != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-TAIL_LINES:]
        raise StepFailedError(
            f"step '{step.name}' failed with exit status {status}; its log is {log_path}. Last lines:\n  "
            + "\n  ".join(tail)
        )
    return time.perf_counter() - started
