"""``thigh_validate DATASET``: check a raw dataset and list every problem.

Exit codes: 0 valid (a short summary is printed), 1 problems found (all listed,
grouped per case), 2 usage errors (e.g. the dataset folder does not exist).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

INVALID_EXIT_CODE = 1


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``thigh_validate``."""
    parser = argparse.ArgumentParser(
        prog="thigh_validate",
        description="Check a raw thighseg dataset (dataset.json, imagesTr, labelsTr, imagesTs) and list "
        "every problem, grouped per case. Exit code 0: valid; 1: problems found; 2: usage error.",
    )
    parser.add_argument("dataset", help="dataset folder, or the name of a dataset under THIGH_RAW")
    parser.add_argument("--raw", default=None, help="raw data folder (overrides THIGH_RAW)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes that read cases in parallel (default: min(4, number of CPUs))",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``thigh_validate``; return the exit code."""
    arguments = build_parser().parse_args(argv)

    def body() -> int:
        from dataset_conversion.validation.validate import default_workers, validate_dataset
        from thigh_common.cli import setup_logging
        from thigh_common.errors import InvalidInputError
        from thigh_common.paths import resolve_raw_dataset

        setup_logging(arguments.verbose)
        workers = default_workers() if arguments.workers is None else arguments.workers
        if workers < 1:
            raise InvalidInputError(f"--workers must be at least 1; got {workers}")
        folder = resolve_raw_dataset(arguments.dataset, arguments.raw)
        report = validate_dataset(folder, workers=workers)
        print(report.format())
        if report.ok:
            return 0
        logging.getLogger("thighseg.validation").error(
            "%s: %d problem(s); fix them and run thigh_validate again", folder, len(report.problems)
        )
        return INVALID_EXIT_CODE

    from thigh_common.cli import run_command

    return run_command(body)


if __name__ == "__main__":
    sys.exit(main())
