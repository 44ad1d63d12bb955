"""``thigh_followup --baseline RUN --followup RUN -o OUT [-m MODEL]``: what changed per subject, leg and muscle.

See ``documentation/thigh_followup.md``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from thigh_common.cli import (
    add_device,
    add_precision,
    add_verbose,
    options_from_arguments,
    parse_arguments,
    run_command,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``thigh_followup``."""
    parser = argparse.ArgumentParser(
        prog="thigh_followup",
        description="Compare two thigh_predict runs (baseline and follow-up) subject by subject: volume, mean HU "
        "and fat fraction per leg, muscle and group, their change, and a figure per subject.",
        epilog="Shared flags: documentation/common_flags.md",
    )
    parser.add_argument(
        "--baseline",
        required=True,
        type=Path,
        metavar="RUN",
        help="output folder of the baseline thigh_predict run (with -m: the baseline scans, a CT file, a "
        "DICOM series folder or a folder of either)",
    )
    parser.add_argument(
        "--followup",
        required=True,
        type=Path,
        metavar="RUN",
        help="output folder of the follow-up run (with -m: the follow-up scans)",
    )
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="OUT", help="output folder")
    parser.add_argument(
        "--pairs",
        type=Path,
        metavar="CSV",
        help="pairing file with columns subject,baseline,"
        "followup[,baseline_date,followup_date] (default: the same case name in both runs)",
    )
    parser.add_argument(
        "-m",
        "--model",
        metavar="MODEL",
        help="predict the scans given as --baseline and --followup with this model first (a model folder, "
        "a fold_F folder, an archive of thigh_export, or an installed model's name) into OUT/baseline and "
        "OUT/followup; two single scans are one subject",
    )
    add_device(parser)
    add_precision(parser, note="of the prediction with -m")
    add_verbose(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``thigh_followup``; exit status 1 when some subjects could not be compared."""
    arguments = parse_arguments(build_parser(), argv)

    def body() -> int:
        from thigh_inference.followup.run import FollowupOptions, run_followup

        return run_followup(options_from_arguments(FollowupOptions, arguments))

    return run_command(body)
