"""``thigh_train CONFIG FOLD``: train the networks of a configuration on one cross-validation fold.

Heavy modules (torch, the trainer) are imported inside the command, so ``--help`` is instant.
Under ``torchrun --nproc_per_node N`` the same command trains with DDP.
"""

from __future__ import annotations

import argparse
import logging
import sys

from thigh_common.cli import (
    add_configuration,
    add_device,
    add_folder_flags,
    add_precision,
    add_verbose,
    add_workers,
    check_output_under,
    options_from_arguments,
    parse_arguments,
    run_command,
    working_folder_of,
)
from thigh_common.cli.common_flags import CONFIGURATION_HELP

logger = logging.getLogger("thighseg.train")

USAGE = "thigh_train CONFIG FOLD [options]\n       thigh_train -c CONFIG FOLD [options]"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``thigh_train``."""
    parser = argparse.ArgumentParser(
        prog="thigh_train",
        usage=USAGE,
        description="Train the U-Nets of a planned configuration on one cross-validation fold: "
        "2d5 (axial, coronal and sagittal 2D U-Nets, the paper's 2.5D method), 2d (axial only) or 3d.",
        epilog="Shared flags: documentation/common_flags.md",
    )
    parser.add_argument("configuration", nargs="?", metavar="CONFIG", help=CONFIGURATION_HELP)
    parser.add_argument(
        "fold",
        nargs="?",
        metavar="FOLD",
        help="fold number (0-4 with five folds), or 'all' to train on every case",
    )
    add_configuration(
        parser, default=None, dest="configuration_option", note="instead of the positional CONFIG"
    )
    parser.add_argument("-d", "--dataset", help="planned dataset name (needed when several are planned)")
    parser.add_argument(
        "--orientation",
        help="train only this orientation of 2d5 (axial, coronal or sagittal), e.g. one per GPU",
    )
    parser.add_argument("--epochs", type=int, help="epochs (overrides the plans)")
    parser.add_argument("--iterations", type=int, help="iterations per epoch (overrides the plans)")
    parser.add_argument("--batch-size", type=int, help="batch size (overrides the plans)")
    parser.add_argument(
        "--lr",
        dest="learning_rate",
        type=float,
        metavar="LR",
        help="initial learning rate (overrides the plans)",
    )
    parser.add_argument(
        "--max-minutes",
        type=float,
        help="time budget of the whole run, split across the networks; checked after every "
        "iteration: a network stops within one iteration of its share, then saves the final checkpoint; "
        "the fold is validated after the last network",
    )
    add_device(parser)
    add_precision(parser, note="the fold's final validation runs in mixed precision unless fp32")
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of initialisation, sampling and augmentation"
    )
    parser.add_argument("--resume", action="store_true", help="continue from checkpoint_latest.pt")
    parser.add_argument(
        "--pretrained",
        metavar="MODEL",
        help="fine-tune: start every network from this model's weights (a model folder, a fold_F folder, "
        "an exported .zip or an installed name) with a fresh optimiser and schedule",
    )
    parser.add_argument(
        "--freeze-encoder",
        action="store_true",
        help="with --pretrained: keep the encoder's weights fixed, train the decoder only (very few new cases)",
    )
    add_workers(parser, minimum=0, what="load the training batches")
    parser.add_argument(
        "--validation-batches", type=int, default=10, help="fixed validation batches scored after every epoch"
    )
    parser.add_argument(
        "--no-validation",
        dest="final_validation",
        action="store_false",
        help="skip the final full-volume validation",
    )
    add_folder_flags(parser, "preprocessed", "results")
    add_verbose(parser)
    return parser


def _configuration_and_fold(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> None:
    """Put CONFIG and FOLD in place, whether CONFIG came as the first positional or as ``-c``."""
    positionals = [value for value in (arguments.configuration, arguments.fold) if value is not None]
    option = arguments.configuration_option
    if option is None and len(positionals) < 2:
        parser.error("expected CONFIG FOLD, e.g. thigh_train 2d5 0 (or thigh_train -c 2d5 0)")
    if option is None:
        return
    if not positionals:
        parser.error(f"the fold is missing: thigh_train -c {option} FOLD")
    if len(positionals) == 2 and positionals[0] != option:
        parser.error(f"two configurations: {positionals[0]} and -c {option}; give one")
    arguments.configuration, arguments.fold = option, positionals[-1]


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``thigh_train``."""
    parser = build_parser()
    arguments = parse_arguments(parser, argv)
    _configuration_and_fold(parser, arguments)

    def body() -> int:
        from thigh_trainer.training.distributed import context_from_environment
        from thigh_trainer.training.options import TrainingOptions, parse_fold
        from thigh_trainer.training.planned_dataset import find_dataset
        from thigh_trainer.training.run import fold_folder_of, train_fold

        if not context_from_environment().is_main:
            logging.getLogger().setLevel(logging.WARNING)
        options = options_from_arguments(
            TrainingOptions,
            arguments,
            fold=parse_fold(arguments.fold),
            preprocessed_root=arguments.preprocessed,
            results_root=arguments.results,
        )
        # an unusable --results ends here in one line, not in a traceback once the data is loaded
        dataset = find_dataset(working_folder_of(arguments, "preprocessed"), options.dataset)
        check_output_under(fold_folder_of(options, dataset.name), "results")
        folder = train_fold(options)
        if context_from_environment().is_main:
            print(f"trained {options.configuration} {options.fold_name}: {folder}")
        return 0

    return run_command(body)


if __name__ == "__main__":
    sys.exit(main())
