"""``thigh_export MODEL -o OUT.zip`` and ``thigh_install ARCHIVE``: a trained model as one file, and back.

See ``documentation/thigh_export.md`` and ``documentation/thigh_install.md``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from thigh_common.cli import add_verbose, parse_arguments, run_command

EPILOG = "Shared flags: documentation/common_flags.md"


def build_export_parser() -> argparse.ArgumentParser:
    """The argument parser of ``thigh_export``."""
    parser = argparse.ArgumentParser(
        prog="thigh_export",
        description="Write a trained model (chosen folds' weights, plans, label table, training records, "
        "validation Dice, a checksum per file) as one zip archive.",
        epilog=EPILOG,
    )
    parser.add_argument(
        "model",
        metavar="MODEL",
        help="a model folder THIGH_RESULTS/DATASET/CONFIG, a fold_F folder, or an installed model's name",
    )
    parser.add_argument(
        "-o", "--output", required=True, type=Path, metavar="OUT.zip", help="the archive to write"
    )
    parser.add_argument("-f", "--folds", nargs="+", help="folds to include (default: every trained fold)")
    parser.add_argument(
        "--checkpoint",
        choices=("final", "best"),
        default="final",
        help="the weights at the end of training (default) or of the best validation epoch",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing OUT.zip")
    add_verbose(parser)
    return parser


def export_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``thigh_export``."""
    arguments = parse_arguments(build_export_parser(), argv)

    def body() -> int:
        from thigh_common.model_files.export import export_model
        from thigh_common.model_files.locate import locate_model

        location = locate_model(arguments.model)
        folds = arguments.folds or location.folds
        manifest = export_model(
            location.folder, arguments.output, folds, arguments.checkpoint, arguments.overwrite
        )
        print(
            f"exported {manifest['configuration']} folds {', '.join(manifest['folds'])} to {arguments.output}"
        )
        return 0

    return run_command(body)


def build_install_parser() -> argparse.ArgumentParser:
    """The argument parser of ``thigh_install``."""
    parser = argparse.ArgumentParser(
        prog="thigh_install",
        description="Check a model archive written by thigh_export (schema, entries, checksums) and unpack "
        "it into the models folder, so that thigh_predict -m NAME uses it.",
        epilog=EPILOG,
    )
    parser.add_argument("archive", nargs="?", type=Path, metavar="ARCHIVE.zip", help="the archive to install")
    parser.add_argument("--name", help="the installed model's name (default: the name in the archive)")
    parser.add_argument("--models", metavar="DIR", help="models folder (overrides THIGH_MODELS)")
    parser.add_argument("--overwrite", action="store_true", help="replace an installed model of that name")
    parser.add_argument("--list", action="store_true", help="list the installed models and stop")
    add_verbose(parser)
    return parser


def _installed_models(root: Path) -> list[str]:
    """One line per installed model: name, configuration, folds, version, validation Dice."""
    lines = []
    for folder in sorted(p for p in root.glob("*/manifest.json")):
        manifest = json.loads(folder.read_text(encoding="utf-8"))
        dice = ", ".join(
            f"{fold} {value:.3f}"
            for fold, value in manifest.get("validation_mean_dice", {}).items()
            if value is not None
        )
        lines.append(
            f"{folder.parent.name}: {manifest.get('configuration')}, folds {', '.join(manifest.get('folds', []))}, "
            f"thighseg {manifest.get('thighseg_version')}" + (f", validation Dice {dice}" if dice else "")
        )
    return lines


def install_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``thigh_install``."""
    parser = build_install_parser()
    arguments = parse_arguments(parser, argv)
    if arguments.archive is None and not arguments.list:
        parser.error("give the archive to install (ARCHIVE.zip), or --list")

    def body() -> int:
        from thigh_common.model_files.install import install_model, models_root

        if arguments.list:
            root = models_root(arguments.models)
            print("\n".join(_installed_models(root)) or f"no model installed in {root}")
            return 0
        folder = install_model(arguments.archive, arguments.models, arguments.name, arguments.overwrite)
        print(
            f"installed {arguments.archive} as {folder.name} ({folder}); predict with: thigh_predict -m {folder.name}"
        )
        return 0

    return run_command(body)
