"""``thigh_evaluate``: score predicted label maps against references, or summarise a cross-validation.

See ``documentation/thigh_evaluate.md``. Exit codes: 0 done; 2 a problem with the input.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from thigh_common.cli import (
    add_configuration,
    add_folder_flags,
    add_verbose,
    add_workers,
    parse_arguments,
    run_command,
    working_folder_of,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``thigh_evaluate``."""
    parser = argparse.ArgumentParser(
        prog="thigh_evaluate",
        description="Score predicted thigh muscle label maps against reference labels per case, leg and muscle "
        "(Dice, average symmetric surface distance, HD95, volumes) and summarise them; or, with --cv, "
        "tabulate the validation Dice of every trained fold of a configuration.",
        epilog="Shared flags: documentation/common_flags.md",
    )
    references = "folder of reference label maps CASE.nii.gz (e.g. labelsTr)"
    parser.add_argument("-r", "--reference", help=references)
    predictions = "folder of predicted label maps CASE.nii.gz (thigh_predict's OUT)"
    parser.add_argument("-p", "--prediction", help=predictions)
    parser.add_argument("-o", "--output", help="output folder (with --cv default: RESULTS/DATASET/CONFIG)")
    add_workers(parser, what="evaluate cases in parallel (each holds two label maps in memory)")
    parser.add_argument("--cv", action="store_true", help="summarise the cross-validation of a trained model")
    parser.add_argument("-d", "--dataset", help="with --cv: the dataset name under THIGH_RESULTS")
    add_configuration(parser, default="2d5", note="with --cv")
    add_folder_flags(parser, "results")
    add_verbose(parser)
    return parser


def _check_form(arguments: argparse.Namespace) -> None:
    """Each form's required options, and no option of the other form."""
    from thigh_common.errors import InvalidInputError

    given = {"-r": arguments.reference, "-p": arguments.prediction, "-o": arguments.output}
    if arguments.cv:
        misplaced = [flag for flag in ("-r", "-p") if given[flag]]
        if misplaced:
            raise InvalidInputError(
                f"{' and '.join(misplaced)} are not used with --cv, which reads the training results: "
                "thigh_evaluate --cv -d DATASET [-c CONFIG] [--results DIR] [-o OUT]"
            )
        if not arguments.dataset:
            raise InvalidInputError("--cv needs the dataset: thigh_evaluate --cv -d DATASET [-c CONFIG]")
        return
    missing = [flag for flag, value in given.items() if not value]
    if missing:
        raise InvalidInputError(
            f"missing {', '.join(missing)}: thigh_evaluate -r REF_FOLDER -p PRED_FOLDER -o OUT "
            "(or thigh_evaluate --cv -d DATASET for a cross-validation summary)"
        )
    if arguments.dataset or arguments.results:
        raise InvalidInputError("-d and --results are used with --cv only; add --cv or leave them out")


def _format(value: float | None, unit: str = "") -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.3f}{unit}"


def _run(arguments: argparse.Namespace) -> None:
    """Summarise the cross-validation (``--cv``), or evaluate the predictions and print the headline."""
    _check_form(arguments)
    if arguments.cv:
        from thigh_evaluation.cv_summary import summarise_cross_validation

        output = Path(arguments.output) if arguments.output else None
        results = working_folder_of(arguments, "results")
        print(summarise_cross_validation(results, arguments.dataset, arguments.configuration, output), end="")
        return
    from thigh_evaluation.evaluation_run import evaluate_folders

    output = Path(arguments.output)
    summary = evaluate_folders(
        Path(arguments.reference), Path(arguments.prediction), output, arguments.workers
    )
    overall = summary["overall"]["metrics"]
    print(
        f"evaluated {summary['num_cases']} case(s), {summary['num_legs']} leg(s) into {output}: "
        f"mean over classes Dice {_format(overall['dice']['mean'])}, ASD {_format(overall['asd_mm']['mean'], ' mm')}, "
        f"HD95 {_format(overall['hd95_mm']['mean'], ' mm')}; "
        f"{len(summary['cases_missing_prediction'])} reference case(s) without prediction"
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``thigh_evaluate``; returns the exit code."""
    arguments = parse_arguments(build_parser(), argv)
    return run_command(lambda: _run(arguments))


if __name__ == "__main__":
    raise SystemExit(main())
