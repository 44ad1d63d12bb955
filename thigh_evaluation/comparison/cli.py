"""``thigh_compare NAME=EVAL_DIR ... -o OUT``: compare configurations as in the paper's Figure 5."""

from __future__ import annotations

import argparse
from pathlib import Path

from thigh_common.cli import add_verbose, parse_arguments, run_command
from thigh_evaluation.comparison import DEFAULT_METRICS, METRICS


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``thigh_compare``."""
    parser = argparse.ArgumentParser(
        prog="thigh_compare",
        description="Compare the evaluations (thigh_evaluate output folders) of two or more configurations: "
        "box plots of Dice and ASD per class and over all classes, paired t-tests against a reference "
        "configuration, markdown and CSV tables.",
        epilog="example: thigh_compare 2d=evals/2d 2d5=evals/2d5 3d=evals/3d -o comparison. "
        "Shared flags: documentation/common_flags.md",
    )
    pair = "a configuration name and its evaluation folder"
    parser.add_argument("evaluations", nargs="+", metavar="NAME=EVAL_DIR", help=pair)
    parser.add_argument("-o", "--output", required=True, help="output folder")
    reference = "configuration the others are tested against (default: 2d5 if given, else the first)"
    parser.add_argument("--reference", help=reference)
    metrics = f"metrics to compare, one figure row each (default: {' '.join(DEFAULT_METRICS)})"
    parser.add_argument("--metrics", nargs="+", choices=METRICS, default=list(DEFAULT_METRICS), help=metrics)
    add_verbose(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``thigh_compare``."""
    arguments = parse_arguments(build_parser(), argv)

    def body() -> None:
        from thigh_evaluation.comparison.pipeline import compare, parse_configurations

        evaluations = parse_configurations(arguments.evaluations)
        result = compare(evaluations, Path(arguments.output), arguments.reference, arguments.metrics)
        marked = int((result.tests["mark"] != "").sum())
        print(
            f"compared {', '.join(result.configurations)} against {result.reference}: {marked} of "
            f"{len(result.tests)} t-tests significant (p < 0.05); report {result.markdown_path}, "
            f"figure {result.figure_path}"
        )

    return run_command(body)


if __name__ == "__main__":
    raise SystemExit(main())
