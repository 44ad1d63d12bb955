"""Run the whole experiment: split, plan, then per configuration train, predict and evaluate; compare.

Each step is a real ``thighseg`` command line run in its own process; its output goes to the console
and its log. See ``documentation/thigh_experiment.md``.
"""

from __future__ import annotations

import logging
import math
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from thigh_common.atomic import write_json_atomic, write_text_atomic
from thigh_common.dataset_json import read_dataset_json, write_dataset_json
from thigh_common.errors import InvalidInputError, ThighSegError
from thigh_common.image_io import image_file_name, label_file_name
from thigh_evaluation.comparison import METRICS as METRIC_SPECS
from thigh_evaluation.experiment import CONFIGURATIONS
from thigh_evaluation.markdown_table import table
from thigh_evaluation.metrics_table import METRICS_FILE, json_ready, read_metrics_csv
from thigh_evaluation.statistics import describe, per_leg_means

logger = logging.getLogger(__name__)

MIN_TRAINING_CASES = 2  # the planner needs two cases for its cross-validation splits
METRICS: tuple[str, ...] = ("dice", "asd_mm")  # the headline numbers of each configuration
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
        return self.output / part / configuration


@dataclass(frozen=True)
class Step:
    """One command of the experiment (``python -m module arguments``), named for the log and timing table."""

    name: str
    module: str
    arguments: tuple[str, ...]

    @property
    def shown(self) -> str:
        """The command as a user would type it."""
        return " ".join([SCRIPTS.get(self.module, self.module), *self.arguments])


def experiment_steps(options: ExperimentOptions, training_raw: Path, test_raw: Path) -> list[Step]:
    """Plan once; per configuration train (same budget), predict, evaluate; then compare.

    The models train on every training case (fold ``all``), so the planner's two folds are not used.
    """
    preprocessed, results, seed = options.folder("preprocessed"), options.folder("results"), options.seed
    plan = (training_raw, "--preprocessed", preprocessed, "--preset", options.preset)
    planning = ("--workers", max(options.workers, 1), "--folds", 2, "--seed", seed)
    commands = [("plan", "thigh_planner.cli", *plan, *planning)]
    for c in options.configurations:
        predictions, evaluation = options.folder("predictions", c), options.folder("evaluation", c)
        folders = ("-d", options.name, "--preprocessed", preprocessed, "--results", results)
        budget = ("--max-minutes", f"{options.minutes:g}", "--seed", seed, "--workers", options.workers)
        predict = ("-i", test_raw / "imagesTr", "-o", predictions, "-d", options.name, "-c", c)
        predict += ("--results", results, "--overwrite", *options.prediction_flags)
        evaluate = ("-r", test_raw / "labelsTr", "-p", predictions, "-o", evaluation)
        commands += [
            (f"train {c}", "thigh_trainer.cli", c, "all", *folders, *budget, *options.training_overrides),
            (f"predict {c}", "thigh_inference.cli", *predict),
            (f"evaluate {c}", "thigh_evaluation.cli", *evaluate),
        ]
    if len(options.configurations) > 1:
        pairs = [f"{c}={options.folder('evaluation', c)}" for c in options.configurations]
        commands.append(
            ("compare", "thigh_evaluation.comparison.cli", *pairs, "-o", options.folder("comparison"))
        )
    return [Step(name, module, tuple(map(str, arguments))) for name, module, *arguments in commands]


class StepFailedError(ThighSegError):
    """A command of the experiment exited with an error; the message names it and its log."""


def run_step(step: Step, log_path: Path, echo: bool = True) -> float:
    """Run ``step``, its output copied to ``log_path`` and, if ``echo``, to stderr; returns its seconds.

    Raises:
        StepFailedError: If the command exits with a non-zero status.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # Unbuffered on both ends, so that a long step's progress shows while it runs, not when it ends.
    with open(log_path, "wb", buffering=0) as log:
        log.write(f"$ {step.shown}\n".encode())
        command = [sys.executable, "-m", step.module, *step.arguments]
        environment = dict(os.environ, PYTHONUNBUFFERED="1")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment)
        assert process.stdout is not None
        while chunk := os.read(process.stdout.fileno(), 1 << 14):
            log.write(chunk)
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


def choose_split(
    cases: Sequence[str], train: int | None, test: int, seed: int = 0
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The training and test cases, each sorted: ``test`` held out at random (seeded), ``train`` of the rest.

    ``train`` None takes every case not held out.

    Raises:
        InvalidInputError: If the numbers are below the minimum or exceed the cases available.
    """
    if test < 1:
        raise InvalidInputError(f"--test must be at least 1 case, found {test}")
    if train is not None and train < MIN_TRAINING_CASES:
        raise InvalidInputError(f"--train must be at least {MIN_TRAINING_CASES} cases, found {train}")
    wanted = test + (train or MIN_TRAINING_CASES)
    if wanted > len(cases):
        raise InvalidInputError(
            f"the dataset has {len(cases)} cases, too few for --train {train or 'rest'} "
            f"and --test {test} ({wanted} needed); lower them or add cases"
        )
    shuffled = sorted(cases)
    random.Random(seed).shuffle(shuffled)
    return tuple(sorted(shuffled[test:][:train])), tuple(sorted(shuffled[:test]))


def dataset_cases(raw: Path) -> list[str]:
    """Case ids of a raw dataset that have both an image and a label file.

    Raises:
        InvalidInputError: If the dataset has no ``dataset.json`` or no complete case.
    """
    if not (raw / "dataset.json").is_file():
        raise InvalidInputError(
            f"{raw} has no dataset.json; is it a raw thighseg dataset (see thigh_validate)?"
        )
    ending = read_dataset_json(raw).get("file_ending", ".nii.gz")
    labelled = [label.name[: -len(ending)] for label in sorted((raw / "labelsTr").glob(f"*{ending}"))]
    cases = [case for case in labelled if (raw / "imagesTr" / image_file_name(case, ending)).is_file()]
    if not cases:
        raise InvalidInputError(
            f"{raw} has no case with both imagesTr/CASE_0000{ending} and labelsTr/CASE{ending}"
        )
    return cases


def link_subset(raw: Path, cases: Sequence[str], target: Path) -> Path:
    """Make ``target`` (replaced) a raw dataset of ``cases`` of ``raw``, linked (copied where links fail)."""
    content = read_dataset_json(raw)
    ending = content.get("file_ending", ".nii.gz")
    if target.exists():
        shutil.rmtree(target)
    for folder, name in (("imagesTr", image_file_name), ("labelsTr", label_file_name)):
        (target / folder).mkdir(parents=True)
        for case in cases:
            source = (raw / folder / name(case, ending)).resolve()
            destination = target / folder / name(case, ending)
            try:
                os.symlink(source, destination)
            except OSError:
                shutil.copy2(source, destination)
    write_dataset_json(target, {**content, "numTraining": len(cases), "name": target.name})
    logger.info("%s: %d cases of %s", target, len(cases), raw)
    return target


def configuration_means(evaluation: Path) -> dict[str, float]:
    """Legs, and mean and SD over legs of :func:`~thigh_evaluation.statistics.per_leg_means`, Dice and ASD."""
    per_leg = per_leg_means(read_metrics_csv(evaluation / METRICS_FILE), METRICS)
    statistics = {
        f"{metric}_{name}": describe(per_leg[metric])[name] for metric in METRICS for name in ("mean", "sd")
    }
    return {"legs": float(len(per_leg))} | statistics


def mean_sd(means: Mapping[str, float], metric: str) -> str:
    """``mean ± SD`` of ``metric`` in a configuration's :func:`configuration_means`, with the metric's decimals."""
    decimals = METRIC_SPECS[metric].decimals
    return f"{means[f'{metric}_mean']:.{decimals}f} ± {means[f'{metric}_sd']:.{decimals}f}"


def write_results(output: Path, record: dict[str, Any]) -> None:
    """Write ``experiment.json`` (NaN as null) and a ``README.md`` summary of the experiment."""
    write_json_atomic(json_ready(record, decimals=None), output / "experiment.json")
    train, test, seconds = record["split"]["train"], record["split"]["test"], record["seconds"]
    rows = []
    for configuration, means in record["results"].items():
        minutes = seconds.get(f"train {configuration}", math.nan) / 60
        headline = (mean_sd(means, metric) for metric in METRICS)
        rows.append((configuration, f"{means['legs']:.0f}", *headline, f"{minutes:.1f}"))
    lines = [
        f"# Experiment: 2D / 2.5D / 3D U-Net on {record['dataset']}",
        "",
        f"- training cases: {len(train)} ({2 * len(train)} thighs); "
        f"test cases: {len(test)}: {', '.join(test)}",
        f"- budget: {record['minutes_per_configuration']:g} min of training per configuration; "
        f"plans preset `{record['preset']}`; seed {record['seed']}",
        f"- training flags: `{' '.join(record['training_overrides']) or '(plans defaults)'}`",
        "",
        table(("configuration", "legs", "Dice (mean ± SD)", "ASD mm (mean ± SD)", "training min"), rows),
        "",
        "Per-leg means over the ten muscles. Steps and their wall time:",
        "",
        *(f"- {name}: {spent:.0f} s" for name, spent in seconds.items()),
    ]
    if (output / "comparison" / "comparison.md").exists():
        lines += [
            "",
            "The comparison (box plots, paired t-tests): [comparison/comparison.md](comparison/comparison.md)",
            "",
            "![comparison](comparison/comparison.png)",
        ]
    lines += ["", "Logs of every step are in `logs/`."]
    write_text_atomic("\n".join(lines) + "\n", output / "README.md")


def run_experiment(options: ExperimentOptions, echo: bool = True) -> dict[str, Any]:
    """Run the experiment; write ``experiment.json`` and ``README.md``; ``echo`` shows each step's output.

    Raises:
        InvalidInputError: If the dataset cannot give the split asked for.
        StepFailedError: If a command fails (the message names its log).
    """
    started = time.perf_counter()
    train, test = choose_split(dataset_cases(options.raw), options.train, options.test, options.seed)
    training_raw = link_subset(options.raw, train, options.folder("raw") / options.name)
    test_raw = link_subset(options.raw, test, options.folder("raw") / f"{options.raw.name}_test")
    logger.info(
        "experiment in %s: %d training and %d test cases of %s; %g min of training per configuration",
        *(options.output, len(train), len(test), options.raw, options.minutes),
    )
    steps = experiment_steps(options, training_raw, test_raw)
    seconds: dict[str, float] = {}
    for number, step in enumerate(tqdm(steps, desc="experiment", unit="step", disable=not echo), start=1):
        logger.info("step %d/%d, %s: %s", number, len(steps), step.name, step.shown)
        log = options.output / "logs" / f"{number:02d}_{step.name.replace(' ', '_')}.log"
        seconds[step.name] = run_step(step, log, echo)
        logger.info("step %s done in %.0f s", step.name, seconds[step.name])
    record = {
        "dataset": options.raw.name,
        "raw": str(options.raw),
        "output": str(options.output),
        "split": {"train": train, "test": test},
        "configurations": options.configurations,
        "minutes_per_configuration": options.minutes,
        "preset": options.preset,
        "seed": options.seed,
        "training_overrides": options.training_overrides,
        "prediction_flags": options.prediction_flags,
        "seconds": seconds,
        "total_seconds": time.perf_counter() - started,
        "results": {c: configuration_means(options.folder("evaluation", c)) for c in options.configurations},
    }
    write_results(options.output, record)
    return record
