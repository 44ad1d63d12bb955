"""``thigh_train CONFIG FOLD``: train the networks of a configuration on one cross-validation fold.

Heavy modules (torch, the trainer) are imported inside the command, so ``--help`` is instant.
Under ``torchrun --nproc_per_node N`` the same command trains with DDP.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from thigh_common.cli import run_command, setup_logging

logger = logging.getLogger("thighseg.train")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``thigh_train``."""
    parser = argparse.ArgumentParser(
        prog="thigh_train",
        description="Train the U-Nets of a planned configuration on one cross-validation fold: "
        "2d5 (axial, coronal and sagittal 2D U-Nets, the paper's 2.5D method), 2d (axial only) or 3d.",
    )
    parser.add_argument("configuration", help="2d5, 2d or 3d")
    parser.add_argument("fold", help="fold number (0-4 with five folds), or 'all' to train on every case")
    parser.add_argument("-d", "--dataset", help="planned dataset name (needed when several are planned)")
    parser.add_argument(
        "--orientation",
        help="train only this orientation of 2d5 (axial, coronal or sagittal), e.g. one per GPU",
    )
    parser.add_argument("--epochs", type=int, help="epochs (overrides the plans)")
    parser.add_argument("--iterations", type=int, help="iterations per epoch (overrides the plans)")
    parser.add_argument("--batch-size", type=int, help="batch size (overrides the plans)")
    parser.add_argument("--lr", type=float, help="initial learning rate (overrides the plans)")
    parser.add_argument(
        "--max-minutes",
        type=float,
        help="time budget of the whole run, split across the networks; checked after every "
        "iteration: a network stops within one iteration of its share, then saves the final checkpoint; "
        "the fold is validated after the last network",
    )
    parser.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (default)")
    parser.add_argument(
        "--precision",
        default="auto",
        help="auto (fp16 on CUDA, fp32 on CPU), fp32, bf16 or fp16",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of initialisation, sampling and augmentation"
    )
    parser.add_argument("--resume", action="store_true", help="continue from checkpoint_latest.pt")
    parser.add_argument(
        "--workers",
        type=int,
        default=min(4, os.cpu_count() or 1),
        help="data worker processes (0: load batches in the training process)",
    )
    parser.add_argument(
        "--validation-batches", type=int, default=10, help="fixed validation batches scored after every epoch"
    )
    parser.add_argument("--no-validation", action="store_true", help="skip the final full-volume validation")
    parser.add_argument("--preprocessed", help="preprocessed datasets folder (overrides THIGH_PREPROCESSED)")
    parser.add_argument("--results", help="results folder (overrides THIGH_RESULTS)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``thigh_train``."""
    arguments = build_parser().parse_args(argv)
    setup_logging(arguments.verbose)

    def body() -> int:
        from pathlib import Path

        from thigh_common.output_paths import check_output_folder
        from thigh_common.paths import working_folder
        from thigh_trainer.training.distributed import context_from_environment
        from thigh_trainer.training.options import TrainingOptions, parse_fold
        from thigh_trainer.training.planned_dataset import find_dataset
        from thigh_trainer.training.run import fold_folder_of, train_fold

        if not context_from_environment().is_main:
            logging.getLogger().setLevel(logging.WARNING)
        options = TrainingOptions(
            configuration=arguments.configuration,
            fold=parse_fold(arguments.fold),
            dataset=arguments.dataset,
            preprocessed_root=Path(arguments.preprocessed) if arguments.preprocessed else None,
            results_root=Path(arguments.results) if arguments.results else None,
            orientation=arguments.orientation,
            epochs=arguments.epochs,
            iterations=arguments.iterations,
            batch_size=arguments.batch_size,
            learning_rate=arguments.lr,
            max_minutes=arguments.max_minutes,
            device=arguments.device,
            precision=arguments.precision,
            seed=arguments.seed,
            resume=arguments.resume,
            workers=arguments.workers,
            validation_batches=arguments.validation_batches,
            final_validation=not arguments.no_validation,
        )
        # an unusable --results ends here in one line, not in a traceback once the data is loaded
        dataset = find_dataset(
            working_folder("THIGH_PREPROCESSED", options.preprocessed_root), options.dataset
        )
        check_output_folder(fold_folder_of(options, dataset.name), "--results", "THIGH_RESULTS")
        folder = train_fold(options)
        if context_from_environment().is_main:
            print(f"trained {options.configuration} {options.fold_name}: {folder}")
        return 0

    return run_command(body)


if __name__ == "__main__":
    sys.exit(main())
