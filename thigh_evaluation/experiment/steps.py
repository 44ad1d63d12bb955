"""What an experiment is asked to do, and the commands it runs, one ``thighseg`` command per step.

Each step is a real command line run in its own process; its output goes to the console and its log.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from thigh_common.errors import ThighSegError

CONFIGURATIONS: tuple[str, ...] = ("2d", "2d5", "3d")
SCRIPTS: dict[str, str] = {
    "thigh_planner.cli": "thigh_plan",
    "thigh_trainer.cli": "thigh_train",
    "thigh_inference.cli": "thigh_predict",
    "thigh_evaluation.cli": "thigh_evaluate",
    "thigh_evaluation.comparison.cli": "thigh_compare",
}
TAIL_LINES = 5


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
    training_overrides: tuple[str, ...] = ()
    prediction_flags: tuple[str, ...] = ()
    workers: int = 2

    @property
    def name(self) -> str:
        """Name of the training dataset (the raw dataset's name with ``_train``)."""
        return f"{self.raw.name}_train"

    def folder(self, part: str, configuration: str = "") -> Path:
        """``raw``, ``preprocessed``, ``results``, ``comparison``, or a configuration's ``predictions``, ``evaluation``."""
        return self.output / part / configuration if configuration else self.output / part


@dataclass(frozen=True)
class Step:
    """One command of the experiment (``python -m module arguments``), named for the log and timing table."""

    name: str
    module: str
    arguments: tuple[str, ...]

    @property
    def command(self) -> list[str]:
        """The full command line."""
        return [sys.executable, "-m", self.module, *self.arguments]

    @property
    def shown(self) -> str:
        """The command as a user would type it."""
        return " ".join([SCRIPTS.get(self.module, self.module), *self.arguments])


def _step(name: str, module: str, *arguments: object) -> Step:
    return Step(name, module, tuple(str(argument) for argument in arguments))


def experiment_steps(options: ExperimentOptions, training_raw: Path, test_raw: Path) -> list[Step]:
    """Plan once; per configuration train (same budget), predict, evaluate; then compare.

    The models train on every training case (fold ``all``), so the planner's two folds are not used.
    """
    preprocessed, results, seed = options.folder("preprocessed"), options.folder("results"), options.seed
    plan = (training_raw, "--preprocessed", preprocessed, "--preset", options.preset)
    planning = ("--workers", max(options.workers, 1), "--folds", 2, "--seed", seed)
    steps = [_step("plan", "thigh_planner.cli", *plan, *planning)]
    for c in options.configurations:
        predictions, evaluation = options.folder("predictions", c), options.folder("evaluation", c)
        folders = ("-d", options.name, "--preprocessed", preprocessed, "--results", results)
        budget = ("--max-minutes", f"{options.minutes:g}", "--seed", seed, "--workers", options.workers)
        predict = ("-i", test_raw / "imagesTr", "-o", predictions, "-d", options.name, "-c", c)
        predict += ("--results", results, "--overwrite", *options.prediction_flags)
        evaluate = ("-r", test_raw / "labelsTr", "-p", predictions, "-o", evaluation)
        steps += [
            _step(
                f"train {c}", "thigh_trainer.cli", c, "all", *folders, *budget, *options.training_overrides
            ),
            _step(f"predict {c}", "thigh_inference.cli", *predict),
            _step(f"evaluate {c}", "thigh_evaluation.cli", *evaluate),
        ]
    if len(options.configurations) > 1:
        pairs = [f"{c}={options.folder('evaluation', c)}" for c in options.configurations]
        steps.append(
            _step("compare", "thigh_evaluation.comparison.cli", *pairs, "-o", options.folder("comparison"))
        )
    return steps


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
