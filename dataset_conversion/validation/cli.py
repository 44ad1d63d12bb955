"""``thigh_validate DATASET``: check a raw dataset and list every problem.

Exit codes: 0 valid (a short summary is printed), 1 problems found (all listed,
grouped per case), 2 usage errors (e.g. the dataset folder does not exist).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from thigh_common.cli import add_folder_flags, add_verbose, add_workers, parse_arguments, run_command

INVALID_EXIT_CODE = 1


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``thigh_validate``."""
    parser = argparse.ArgumentParser(
        prog="thigh_validate",
        description="Check a raw thighseg dataset (dataset.json, imagesTr, labelsTr, imagesTs) and list "
        "every problem, grouped per case. Exit code 0: valid; 1: problems found; 2: usage error.",
        epilog="Shared flags: documentation/common_flags.md",
    )
    parser.add_argument("dataset", help="dataset folder, or the name of a dataset under THIGH_RAW")
    add_folder_flags(parser, "raw")
    add_workers(parser, what="read the cases")
    add_verbose(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``thigh_validate``; return the exit code."""
    arguments = parse_arguments(build_parser(), argv)

    def body() -> int:
        from dataset_conversion.validation.validate import validate_dataset
        from thigh_common.paths import resolve_raw_dataset

        folder = resolve_raw_dataset(arguments.dataset, arguments.raw)
        report = validate_dataset(folder, workers=arguments.workers)
        print(report.format())
        if report.ok:
            return 0
        logging.getLogger("thighseg.validation").error(
            "%s: %d problem(s); fix them and run thigh_validate again", folder, len(report.problems)
        )
        return INVALID_EXIT_CODE

    return run_command(body)


if __name__ == "__main__":
    sys.exit(main())
