"""``thigh_convert dicom|nnunet|pairs``: bring DICOM series and other datasets into thighseg form.

Exit codes: 0 done; 2 a problem with the input or arguments (every problem is
listed; for ``nnunet`` and ``pairs`` nothing is written then, for ``dicom``
the folders that could be converted are written).

The heavy modules are imported inside the commands, so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from thigh_common.cli import add_verbose, parse_arguments, run_command

EPILOG = (
    "See documentation/thigh_convert.md for examples, the label mapping rules and the checks, "
    "and documentation/common_flags.md for the shared flags."
)


def _add_common(parser: argparse.ArgumentParser) -> None:
    """Add ``--overwrite`` and ``-v``."""
    parser.add_argument(
        "--overwrite", action="store_true", help="write into a non-empty output, replacing what it holds"
    )
    add_verbose(parser)


def _add_mapping(parser: argparse.ArgumentParser, source_kind: str) -> None:
    """Add the label mapping options."""
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="SOURCE=TARGET",
        help=f"map a source label ({source_kind}) to ours (number 0-10 or name); repeatable, "
        "e.g. --map 12=6 --map adductor_longus=adductors",
    )
    parser.add_argument(
        "--map-file",
        default=None,
        metavar="FILE",
        help='JSON object {"SOURCE": "TARGET", ...} of mapping rules',
    )
    parser.add_argument(
        "--unmapped",
        choices=("error", "background"),
        default="error",
        help="what to do with source labels that no rule maps: error (default) or send them to background",
    )
    parser.add_argument(
        "--name", default=None, help="dataset name in dataset.json (default: the OUT folder name)"
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``thigh_convert``."""
    parser = argparse.ArgumentParser(
        prog="thigh_convert",
        description="Convert DICOM series to NIfTI, and import nnU-Net datasets or image/label pairs into a "
        "thighseg raw dataset with our label table.",
        epilog=EPILOG,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{dicom,nnunet,pairs}")

    dicom = commands.add_parser(
        "dicom",
        help="DICOM series folder(s) -> NIfTI",
        description="Convert a DICOM series folder, or every series folder below IN, to OUT/NAME.nii.gz "
        "(geometry and HU kept). NAME: the series folder's path below IN with '/' -> '_'.",
        epilog=EPILOG,
    )
    dicom.add_argument("input", metavar="IN", help="a DICOM series folder, or a folder of series folders")
    dicom.add_argument("output", metavar="OUT", help="output folder (or a .nii.gz file for a single series)")
    dicom.add_argument(
        "--series-uid", default=None, help="series instance UID, when IN holds several CT series"
    )
    dicom.add_argument("--name", default=None, help="output file name without extension (single series)")
    _add_common(dicom)

    nnunet = commands.add_parser(
        "nnunet",
        help="nnU-Net v2 raw dataset -> thighseg raw dataset",
        description="Import an nnU-Net v2 raw dataset (dataset.json, imagesTr, labelsTr, imagesTs) into a "
        "thighseg raw dataset: .nii.gz files with identical geometry, labels mapped to our table. Source label "
        "names equal to ours (case, '-', ' ', '_' ignored) map by themselves.",
        epilog=EPILOG,
    )
    nnunet.add_argument("source", metavar="SRC_DATASET", help="the nnU-Net dataset folder")
    nnunet.add_argument("output", metavar="OUT", help="the thighseg dataset folder to write")
    nnunet.add_argument("--channel", type=int, default=0, help="input channel that holds the CT (default 0)")
    _add_mapping(nnunet, "name or number")
    _add_common(nnunet)

    pairs = commands.add_parser(
        "pairs",
        help="folders of images and labels -> thighseg raw dataset",
        description="Import image/label pairs matched by case name (NIfTI, NRRD, MHA) into a thighseg raw "
        "dataset. Without --map the labels must already use our numbers 0-10.",
        epilog=EPILOG,
    )
    pairs.add_argument("images", metavar="IMAGES", help="folder of CT images")
    pairs.add_argument("labels", metavar="LABELS", help="folder of label files")
    pairs.add_argument(
        "output",
        metavar="OUT",
        help="the thighseg dataset folder to write (with --append: to add the pairs to)",
    )
    pairs.add_argument(
        "--append",
        action="store_true",
        help="add the pairs to the existing dataset OUT as new training cases: each pair is checked as "
        "thigh_validate checks a dataset first, a case name OUT already has is refused, dataset.json is "
        "rewritten in one step, and one bad pair leaves OUT as it was",
    )
    pairs.add_argument(
        "--image-suffix",
        default=None,
        help="suffix of image names before the extension, e.g. _ct (default: an optional _0000)",
    )
    pairs.add_argument(
        "--label-suffix", default="", help="suffix of label names before the extension, e.g. _seg"
    )
    _add_mapping(pairs, "a number")
    _add_common(pairs)
    return parser


def _run(arguments: argparse.Namespace) -> int:
    """Run the chosen subcommand (log lines do not break the progress bars)."""
    from tqdm.contrib.logging import logging_redirect_tqdm

    with logging_redirect_tqdm():
        return _run_command(arguments)


def _run_command(arguments: argparse.Namespace) -> int:
    """Run the chosen subcommand (heavy imports happen here)."""
    if arguments.command == "dicom":
        from dataset_conversion.dicom_conversion import convert_dicom

        convert_dicom(
            arguments.input, arguments.output, arguments.series_uid, arguments.name, arguments.overwrite
        )
        return 0
    from dataset_conversion.label_mapping import combine_rules

    rules = combine_rules(arguments.map, arguments.map_file)
    if arguments.command == "nnunet":
        from dataset_conversion.nnunet_import import import_nnunet_dataset

        import_nnunet_dataset(
            arguments.source,
            arguments.output,
            rules=rules,
            unmapped=arguments.unmapped,
            overwrite=arguments.overwrite,
            channel=arguments.channel,
            name=arguments.name,
        )
        return 0
    if arguments.append:
        from dataset_conversion.pairs_append import append_pairs
        from thigh_common.errors import InvalidInputError

        if arguments.overwrite or arguments.name:
            raise InvalidInputError("--append adds to OUT as it is: leave out --overwrite and --name")
        append_pairs(
            arguments.images,
            arguments.labels,
            arguments.output,
            image_suffix=arguments.image_suffix,
            label_suffix=arguments.label_suffix,
            rules=rules,
            unmapped=arguments.unmapped,
        )
        return 0
    from dataset_conversion.pairs_import import import_pairs

    import_pairs(
        arguments.images,
        arguments.labels,
        arguments.output,
        image_suffix=arguments.image_suffix,
        label_suffix=arguments.label_suffix,
        rules=rules,
        unmapped=arguments.unmapped,
        overwrite=arguments.overwrite,
        name=arguments.name,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``thigh_convert``; return the exit code."""
    arguments = parse_arguments(build_parser(), argv)
    return run_command(lambda: _run(arguments))


if __name__ == "__main__":
    sys.exit(main())
