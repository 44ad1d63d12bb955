"""``thigh_synth``: write a synthetic thigh CT dataset in the raw dataset layout.

Example:
    thigh_synth -o /tmp/Dataset900_Phantom -n 4 --seed 0 --size small --preview
    thigh_synth -o /tmp/Dataset901_Hard -n 4 --size tiny --condition metal=nail,circle --condition arms
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from thigh_common.cli import add_verbose, options_from_arguments, parse_arguments, run_command

SIZE_CHOICES = ("tiny", "small", "clinical")
DIRECTION_CHOICES = ("identity", "flip", "permute", "mixed")
LEG_CHOICES = ("both", "left", "right")


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``thigh_synth``."""
    parser = argparse.ArgumentParser(
        prog="thigh_synth",
        description="Generate a synthetic lower-body CT dataset (pelvis to upper shin) with ten thigh muscle "
        "labels per leg, in the raw dataset layout (dataset.json, imagesTr, labelsTr) plus phantom_truth/.",
        epilog="Shared flags: documentation/common_flags.md",
    )
    parser.add_argument("-o", "--output", required=True, type=Path, help="dataset folder to write")
    parser.add_argument("-n", "--num-cases", type=int, default=4, help="number of cases (default 4)")
    parser.add_argument("--seed", type=int, default=0, help="dataset seed; case k depends only on (seed, k)")
    parser.add_argument(
        "--size", choices=SIZE_CHOICES, default="small", help="voxel grid size (default small)"
    )
    parser.add_argument("--preview", action="store_true", help="write preview/CASE.png for each case")
    parser.add_argument(
        "--directions",
        choices=DIRECTION_CHOICES,
        default="identity",
        help="direction matrices of the written images; mixed cycles identity, flip, permute",
    )
    parser.add_argument("--legs", choices=LEG_CHOICES, default="both", help="legs in the field of view")
    parser.add_argument(
        "--condition",
        dest="conditions",
        action="append",
        default=[],
        metavar="NAME[=VALUE][,...]",
        help="clinical condition(s), repeatable or comma-separated, off by default: "
        "circle[=-2048|-3024|dicom0], truncation[=distal|proximal|x], thick-slices, low-dose, "
        "whole-body, knee[=bent|crossed], arms[=beside|on], metal[=stem|nail]; "
        "without a value one is drawn per case (see documentation/thigh_synth.md)",
    )
    parser.add_argument("--start-index", type=int, default=0, help="index of the first case (default 0)")
    parser.add_argument("--overwrite", action="store_true", help="replace cases already in the folder")
    add_verbose(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``thigh_synth``."""
    args = parse_arguments(build_parser(), argv)

    def body() -> int:
        from dataset_conversion.phantom.writer import PhantomRequest, write_dataset

        request = options_from_arguments(PhantomRequest, args, conditions=tuple(args.conditions))
        start = time.perf_counter()
        names = write_dataset(request)
        logging.getLogger("thighseg").debug("generated %d cases", len(names))
        print(f"wrote {len(names)} case(s) to {args.output} in {time.perf_counter() - start:.1f} s")
        return 0

    return run_command(body)


if __name__ == "__main__":
    sys.exit(main())
