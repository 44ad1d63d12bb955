"""Run the whole experiment: split, plan, then per configuration train, predict and evaluate; compare."""

from __future__ import annotations

import logging
import time
from typing import Any

from tqdm import tqdm

from thigh_evaluation.experiment.execution import run_step
from thigh_evaluation.experiment.options import ExperimentOptions
from thigh_evaluation.experiment.results import configuration_means, write_results
from thigh_evaluation.experiment.split import choose_split
from thigh_evaluation.experiment.steps import ExperimentFolders, experiment_steps
from thigh_evaluation.experiment.subsets import dataset_cases, link_subset

logger = logging.getLogger(__name__)


def run_experiment(options: ExperimentOptions, echo: bool = True) -> dict[str, Any]:
    """Run the experiment of ``options`` and write ``experiment.json`` and ``README.md`` in its folder.

    Args:
        options: The experiment.
        echo: Copy each command's output to stderr as it runs (it always goes to ``logs/``).

    Returns:
        The content of ``experiment.json``.

    Raises:
        InvalidInputError: If the dataset cannot give the split asked for.
        StepFailedError: If a command fails (the message names its log).
    """
    started = time.perf_counter()
    split = choose_split(dataset_cases(options.raw), options.train, options.test, options.seed)
    folders = ExperimentFolders(options.output)
    training_raw = link_subset(options.raw, split.train, folders.raw / options.name)
    test_raw = link_subset(options.raw, split.test, folders.raw / f"{options.raw.name}_test")
    logger.info("experiment in %s: %d training and %d test cases of %s; %g min of training per configuration",
                options.output, len(split.train), len(split.test), options.raw, options.minutes)  # fmt: skip
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
        "results": {c: configuration_means(folders.evaluation(c)) for c in options.configurations},
    }
    write_results(options.output, record)
    return record
