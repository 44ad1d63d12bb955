"""Run the whole experiment: split, plan, then per configuration train, predict and evaluate; compare.

See ``documentation/thigh_experiment.md``.
"""

from __future__ import annotations

import logging
import math
import os
import random
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from thigh_common.atomic import write_json_atomic, write_text_atomic
from thigh_common.dataset_json import read_dataset_json, write_dataset_json
from thigh_common.errors import InvalidInputError
from thigh_common.image_io import image_file_name, label_file_name
from thigh_evaluation.experiment.steps import ExperimentOptions, experiment_steps, run_step
from thigh_evaluation.markdown_table import table
from thigh_evaluation.metrics_table import METRICS_FILE, read_metrics_csv
from thigh_evaluation.statistics import per_leg_means

logger = logging.getLogger(__name__)


MIN_TRAINING_CASES = 2  # the planner needs two cases for its cross-validation splits


@dataclass(frozen=True)
class ExperimentSplit:
    """The cases that train and the cases held out for testing (each sorted)."""

    train: tuple[str, ...]
    test: tuple[str, ...]


def choose_split(cases: Sequence[str], train: int | None, test: int, seed: int = 0) -> ExperimentSplit:
    """Pick ``test`` held-out cases at random (seeded) and ``train`` of the others (None: all others).

    Raises:
        InvalidInputError: If the numbers are below the minimum or exceed the cases available.
    """
    if test < 1:
        raise InvalidInputError(f"--test must be at least 1 case, found {test}")
    if train is not None and train < MIN_TRAINING_CASES:
        raise InvalidInputError(f"--train must be at least {MIN_TRAINING_CASES} cases, found {train}")
    available = len(cases)
    wanted = test + (train if train is not None else MIN_TRAINING_CASES)
    if wanted > available:
        raise InvalidInputError(
            f"the dataset has {available} cases, too few for --train {train if train is not None else 'rest'} "
            f"and --test {test} ({wanted} needed); lower them or add cases"
        )
    shuffled = sorted(cases)
    random.Random(seed).shuffle(shuffled)
    training = shuffled[test:] if train is None else shuffled[test:][:train]
    return ExperimentSplit(tuple(sorted(training)), tuple(sorted(shuffled[:test])))


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
    cases = []
    for label in sorted((raw / "labelsTr").glob(f"*{ending}")):
        case = label.name[: -len(ending)]
        if (raw / "imagesTr" / image_file_name(case, ending)).is_file():
            cases.append(case)
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


METRICS: tuple[str, ...] = ("dice", "asd_mm")


def configuration_means(evaluation: Path) -> dict[str, float]:
    """Legs, and mean and SD over legs of :func:`~thigh_evaluation.statistics.per_leg_means`, Dice and ASD."""
    per_leg = per_leg_means(read_metrics_csv(evaluation / METRICS_FILE), METRICS)
    result: dict[str, float] = {"legs": float(len(per_leg))}
    for metric in METRICS:
        result[f"{metric}_mean"] = float(per_leg[metric].mean())
        result[f"{metric}_sd"] = float(per_leg[metric].std(ddof=1)) if len(per_leg) > 1 else math.nan
    return result


def _number(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def write_results(output: Path, record: dict[str, Any]) -> None:
    """Write ``experiment.json`` (NaN as null) and a ``README.md`` summary of the experiment."""
    clean = {
        **record,
        "results": {c: {k: _number(v) for k, v in r.items()} for c, r in record["results"].items()},
    }
    write_json_atomic(clean, output / "experiment.json")
    write_text_atomic(_markdown(record), output / "README.md")


def _markdown(record: dict[str, Any]) -> str:
    lines = [
        f"# Experiment: 2D / 2.5D / 3D U-Net on {record['dataset']}",
        "",
        f"- training cases: {len(record['split']['train'])} ({2 * len(record['split']['train'])} thighs); "
        f"test cases: {len(record['split']['test'])}: {', '.join(record['split']['test'])}",
        f"- budget: {record['minutes_per_configuration']:g} min of training per configuration; "
        f"plans preset `{record['preset']}`; seed {record['seed']}",
        f"- training flags: `{' '.join(record['training_overrides']) or '(plans defaults)'}`",
        "",
    ]
    rows = [
        (configuration, f"{values['legs']:.0f}", f"{values['dice_mean']:.3f} ± {values['dice_sd']:.3f}")
        + (f"{values['asd_mm_mean']:.2f} ± {values['asd_mm_sd']:.2f}",)
        + (f"{record['seconds'].get(f'train {configuration}', np.nan) / 60:.1f}",)
        for configuration, values in record["results"].items()
    ]
    header = ("configuration", "legs", "Dice (mean ± SD)", "ASD mm (mean ± SD)", "training min")
    lines += [table(header, rows)]
    lines += ["", "Per-leg means over the ten muscles. Steps and their wall time:", ""]
    lines += [f"- {name}: {seconds:.0f} s" for name, seconds in record["seconds"].items()]
    if (Path(record["output"]) / "comparison" / "comparison.md").exists():
        lines += [
            "",
            "The comparison (box plots, paired t-tests): [comparison/comparison.md](comparison/comparison.md)",
            "",
            "![comparison](comparison/comparison.png)",
        ]
    lines += ["", "Logs of every step are in `logs/`."]
    return "\n".join(lines) + "\n"


def run_experiment(options: ExperimentOptions, echo: bool = True) -> dict[str, Any]:
    """Run the experiment; write ``experiment.json`` and ``README.md``; ``echo`` shows each step's output.

    Raises:
        InvalidInputError: If the dataset cannot give the split asked for.
        StepFailedError: If a command fails (the message names its log).
    """
    started = time.perf_counter()
    split = choose_split(dataset_cases(options.raw), options.train, options.test, options.seed)
    training_raw = link_subset(options.raw, split.train, options.folder("raw") / options.name)
    test_raw = link_subset(options.raw, split.test, options.folder("raw") / f"{options.raw.name}_test")
    logger.info(
        "experiment in %s: %d training and %d test cases of %s; %g min of training per configuration",
        *(options.output, len(split.train), len(split.test), options.raw, options.minutes),
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
        "split": {"train": list(split.train), "test": list(split.test)},
        "configurations": list(options.configurations),
        "minutes_per_configuration": options.minutes,
        "preset": options.preset,
        "seed": options.seed,
        "training_overrides": list(options.training_overrides),
        "prediction_flags": list(options.prediction_flags),
        "seconds": seconds,
        "total_seconds": time.perf_counter() - started,
        "results": {c: configuration_means(options.folder("evaluation", c)) for c in options.configurations},
    }
    write_results(options.output, record)
    return record
