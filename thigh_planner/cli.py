"""``thigh_plan DATASET``: fingerprint a raw dataset, write plans and splits, preprocess the legs."""

from __future__ import annotations

import argparse
import logging

from thigh_common.cli import (
    add_folder_flags,
    add_verbose,
    add_workers,
    check_output_under,
    options_from_arguments,
    parse_arguments,
    run_command,
    working_folder_of,
)

logger = logging.getLogger("thighseg.plan")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``thigh_plan``."""
    parser = argparse.ArgumentParser(
        prog="thigh_plan",
        description="Validate and fingerprint a raw dataset, write plans.json and splits.json, "
        "and preprocess every leg (femur-aligned crop, spacing, mirroring, HU window).",
        epilog="Shared flags: documentation/common_flags.md",
    )
    parser.add_argument("dataset", help="raw dataset folder, or its name under THIGH_RAW")
    add_folder_flags(parser, "raw", "preprocessed")
    parser.add_argument("--preset", choices=("default", "paper"), default="default", help="plans preset")
    parser.add_argument(
        "--plans-from",
        metavar="MODEL",
        help="use this trained model's plans unchanged (a model folder, a fold_F folder, an exported .zip or "
        "an installed name), so that its weights fit (fine-tuning); where the data lie outside them is logged",
    )
    parser.add_argument(
        "--gpu-memory-gb", type=float, default=8.0, help="GPU memory budget that sets batch and patch sizes"
    )
    add_workers(parser, what="preprocess the cases")
    parser.add_argument("--seed", type=int, default=0, help="seed of the cross-validation splits")
    parser.add_argument(
        "--folds", dest="n_folds", type=int, default=5, metavar="N", help="number of cross-validation folds"
    )
    parser.add_argument(
        "--no-preprocess",
        dest="preprocess",
        action="store_false",
        help="write fingerprint, plans and splits only",
    )
    add_verbose(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``thigh_plan``."""
    arguments = parse_arguments(build_parser(), argv)

    def body() -> int:
        from thigh_common.errors import InvalidInputError
        from thigh_common.paths import resolve_raw_dataset
        from thigh_planner.planning_run import PlanningOptions, plan_dataset

        if arguments.gpu_memory_gb <= 0:
            raise InvalidInputError(f"--gpu-memory-gb must be positive, got {arguments.gpu_memory_gb}")
        raw = resolve_raw_dataset(arguments.dataset, arguments.raw)
        output = working_folder_of(arguments, "preprocessed") / raw.name
        check_output_under(output, "preprocessed")  # before the validation
        options = options_from_arguments(PlanningOptions, arguments, raw_dataset=raw, output_folder=output)
        plan_dataset(options)
        print(f"planned {raw.name}: {output}")
        return 0

    return run_command(body)


if __name__ == "__main__":
    raise SystemExit(main())
