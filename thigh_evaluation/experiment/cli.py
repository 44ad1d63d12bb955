"""``thigh_experiment DATASET --train N --test M``: the paper's 2D / 2.5D / 3D comparison in one command."""

from __future__ import annotations

import argparse
from pathlib import Path

from thigh_common.cli import (
    add_device,
    add_folder_flags,
    add_precision,
    add_verbose,
    add_workers,
    options_from_arguments,
    parse_arguments,
    run_command,
)
from thigh_evaluation.experiment import CONFIGURATIONS

TRAINING_FLAGS: dict[str, tuple[type, str]] = {  # passed on to thigh_train when given
    "--epochs": (int, "training epochs"),
    "--iterations": (int, "iterations per epoch"),
    "--batch-size": (int, "training batch size"),
    "--lr": (float, "initial learning rate"),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``thigh_experiment``."""
    parser = argparse.ArgumentParser(
        prog="thigh_experiment",
        description="Hold out test cases, train 2d, 2d5 and 3d U-Nets on the same training cases with the same "
        "time budget, predict and evaluate the test cases, and compare the configurations (box plots, paired "
        "t-tests), as in the paper's Figure 5.",
        epilog="Shared flags: documentation/common_flags.md",
    )
    parser.add_argument("dataset", help="raw dataset folder, or its name under THIGH_RAW")
    parser.add_argument("-o", "--output", help="experiment folder (default: ./experiment_DATASET)")
    add_folder_flags(parser, "raw")
    training = "training cases (default 19: the paper's 38 thighs); 0 for every case not held out"
    parser.add_argument("--train", type=int, default=19, help=training)
    held_out = "held-out test cases (default 5: the paper's 10 thighs)"
    parser.add_argument("--test", type=int, default=5, help=held_out)
    parser.add_argument("-c", "--configurations", nargs="+", choices=CONFIGURATIONS, default=CONFIGURATIONS)
    budget = "training time budget of each configuration, in minutes (default 60)"
    parser.add_argument("--minutes", type=float, default=60.0, help=budget)
    parser.add_argument("--preset", choices=("default", "paper"), default="default", help="plans preset")
    for flag, (kind, text) in TRAINING_FLAGS.items():
        parser.add_argument(flag, type=kind, help=f"{text} (default: the plans')")
    add_precision(parser, note="of training; bf16 or fp16 also predict in mixed precision")
    add_device(parser)
    parser.add_argument("--seed", type=int, default=0, help="seed of the split and of training")
    add_workers(parser, what="plan and load training data")
    add_verbose(parser)
    return parser


def _run(arguments: argparse.Namespace) -> None:
    """Run the experiment the flags describe and print each configuration's headline numbers."""
    from thigh_common.errors import InvalidInputError
    from thigh_common.paths import resolve_raw_dataset
    from thigh_evaluation.experiment.run import ExperimentOptions, mean_sd, run_experiment

    if arguments.minutes <= 0:
        raise InvalidInputError(f"--minutes must be positive, found {arguments.minutes:g}")
    raw = resolve_raw_dataset(arguments.dataset, arguments.raw).resolve()
    training = ["--precision", arguments.precision, "--device", arguments.device]
    for flag in TRAINING_FLAGS:
        value = getattr(arguments, flag[2:].replace("-", "_"))
        if value is not None:
            training += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    # thigh_predict's --precision: the experiment's mixed precision is fp16 on CUDA, bf16 on a CPU
    mixed = "fp16" if arguments.device.startswith("cuda") else "bf16"
    precision = {"auto": "auto", "bf16": mixed, "fp16": mixed}.get(arguments.precision, "fp32")
    options = options_from_arguments(
        ExperimentOptions,
        arguments,
        raw=raw,
        output=Path(arguments.output or f"experiment_{raw.name}").resolve(),
        train=arguments.train or None,
        configurations=tuple(dict.fromkeys(arguments.configurations)),
        training_overrides=tuple(training),
        prediction_flags=("--device", arguments.device, "--precision", precision),
    )
    for configuration, means in run_experiment(options)["results"].items():
        print(
            f"{configuration:>4}: mean Dice {mean_sd(means, 'dice')}, mean ASD {mean_sd(means, 'asd_mm')} mm "
            f"({means['legs']:.0f} test legs)"
        )
    print(f"experiment written to {options.output} (README.md, experiment.json, comparison/)")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``thigh_experiment``."""
    arguments = parse_arguments(build_parser(), argv)
    return run_command(lambda: _run(arguments))


if __name__ == "__main__":
    raise SystemExit(main())
