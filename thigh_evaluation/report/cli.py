"""``thigh_report``: the report folder of a trained fold, its predictions and their evaluation.

See ``documentation/thigh_report.md``. Exit codes: 0 done; 2 a problem with the input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from thigh_common.cli import add_verbose, parse_arguments, run_command


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``thigh_report``."""
    parser = argparse.ArgumentParser(
        prog="thigh_report",
        description="Write a report folder (index.html and index.md) of a trained fold and its held-out "
        "evaluation: Dice and ASD per muscle and per case, a box plot, the training curve, each case's "
        "overlay and muscle table, and copies of the raw tables.",
        epilog="Shared flags: documentation/common_flags.md",
    )
    for flags, metavar, text in (
        (["--predictions"], "PRED_DIR", "output folder of thigh_predict (CASE.nii.gz, ...)"),
        (["--evaluation"], "EVAL_DIR", "output folder of thigh_evaluate (metrics.csv, ...)"),
        (["--model"], "FOLD_DIR", "fold folder of thigh_train, e.g. RESULTS/DATASET/2d5/fold_0"),
        (["-o", "--output"], "REPORT_DIR", "report folder to write (an earlier report there is replaced)"),
    ):
        parser.add_argument(*flags, required=True, type=Path, metavar=metavar, help=text)
    title = "page title (default: thighseg report: DATASET CONFIG fold_N)"
    parser.add_argument("--title", metavar="TEXT", help=title)
    note = "the highlighted note on the model's use (default: the demonstration's not-for-clinical-use note)"
    parser.add_argument("--note", metavar="TEXT", help=note)
    followup = (
        "output folder of thigh_followup: its page, table and figures become the report's follow-up page"
    )
    parser.add_argument("--followup", metavar="FOLLOWUP_DIR", help=followup)
    add_verbose(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``thigh_report``; returns the exit code."""
    arguments = parse_arguments(build_parser(), argv)

    def body() -> int:
        from thigh_evaluation.report.build import build_report

        index = build_report(
            arguments.predictions,
            arguments.evaluation,
            arguments.model,
            arguments.output,
            title=arguments.title,
            note=arguments.note,
            followup=Path(arguments.followup) if arguments.followup else None,
        )
        print(f"wrote the report {index} (and {index.with_suffix('.md').name}); open it in a browser")
        return 0

    return run_command(body)


if __name__ == "__main__":
    sys.exit(main())
