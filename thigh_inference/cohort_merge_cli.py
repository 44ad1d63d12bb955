"""``thigh_merge -o OUT PART [PART ...]``: join the parts of a sharded ``thigh_predict`` run into one cohort summary.

See ``documentation/cluster.md``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from thigh_common.cli import add_verbose, parse_arguments, run_command


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``thigh_merge``."""
    parser = argparse.ArgumentParser(
        prog="thigh_merge",
        description="Join the outputs of thigh_predict --num-parts N --part-id K (one folder per part, or one "
        "shared folder) into the cohort's summary.csv; parts of different models, label tables or splits, and "
        "a case with two different results, are refused before anything is written.",
        epilog="Shared flags: documentation/common_flags.md; cluster use: documentation/cluster.md",
    )
    parser.add_argument("parts", nargs="+", type=Path, metavar="PART", help="output folders of the parts")
    parser.add_argument(
        "-o", "--output", required=True, type=Path, metavar="OUT", help="where the cohort tables go"
    )
    add_verbose(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``thigh_merge``; exit status 1 when parts are missing."""
    arguments = parse_arguments(build_parser(), argv)

    def body() -> int:
        from thigh_inference.cohort_merge import merge_parts

        merged = merge_parts(arguments.parts, arguments.output)
        missing = (
            f"; parts not found: {', '.join(map(str, merged.missing_parts))}" if merged.missing_parts else ""
        )
        print(
            f"merged {len(merged.parts)} part(s), {len(merged.cases)} case(s) into {arguments.output}{missing}"
        )
        return 1 if merged.missing_parts else 0

    return run_command(body)
