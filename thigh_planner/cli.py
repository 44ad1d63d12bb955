"""``thigh_plan DATASET``: fingerprint a raw dataset, write plans and splits, preprocess the legs."""

from __future__ import annotations

import argparse
import logging
import os

from thigh_common.cli import run_command, setup_logging

logger = logging.getLogger("thighseg.plan")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``thigh_plan``."""
    parser = argparse.ArgumentParser(
        prog="thigh_plan",
        description="Validate and fingerprint a raw dataset, write plans.json and splits.json, "
        "and preprocess every leg (femur-aligned crop, spacing, mirroring, HU window).",
    )
    parser.add_argument("dataset", help="raw dataset folder, or its name under THIGH_RAW")
    parser.add_argument("--raw", help="raw datasets folder (overrides THIGH_RAW)")
    parser.add_argument("--preprocessed", help="output root (overrides THIGH_PREPROCESSED)")
    parser.add_argument("--preset", choices=("default", "paper"), default="default", help="plans preset")
    parser.add_argument(
        "--gpu-memory-gb", type=float, default=8.0, help="GPU memory budget that sets batch and patch sizes"
    )
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1), help="worker processes")
    parser.add_argument("--seed", type=int, default=0, help="seed of the cross-validation splits")
    parser.add_argument("--folds", type=int, default=5, help="number of cross-validation folds")
    parser.add_argument(
        "--no-preprocess", action="store_true", help="write fingerprint, plans and splits only"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``thigh_plan``."""
    arguments = build_parser().parse_args(argv)
    setup_logging(arguments.verbose)

    def body() -> int:
        from thigh_common.errors import InvalidInputError
        from thigh_common.output_paths import check_output_folder
        from thigh_common.paths import resolve_raw_dataset, working_folder
        from thigh_planner.planning_run import PlanningOptions, plan_dataset

        if arguments.workers < 1:
            raise InvalidInputError(f"--workers must be at least 1, got {arguments.workers}")
        if arguments.gpu_memory_gb <= 0:
            raise InvalidInputError(f"--gpu-memory-gb must be positive, got {arguments.gpu_memory_gb}")
        raw = resolve_raw_dataset(arguments.dataset, arguments.raw)
        output = working_folder("THIGH_PREPROCESSED", arguments.preprocessed) / raw.name
        check_output_folder(output, "--preprocessed", "THIGH_PREPROCESSED")  # before the validation
        options = PlanningOptions(
            raw_dataset=raw,
            output_folder=output,
            preset=arguments.preset,
            gpu_memory_gb=arguments.gpu_memory_gb,
            workers=arguments.workers,
            seed=arguments.seed,
            n_folds=arguments.folds,
            preprocess=not arguments.no_preprocess,
        )
        plan_dataset(options)
        print(f"planned {raw.name}: {output}")
        return 0

    return run_command(body)


if __name__ == "__main__":
    raise SystemExit(main())
