"""``thigh_predict -i IN -o OUT``: segment and measure the thigh muscles of CT scans."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import tempfile
from pathlib import Path

from thigh_common.cli import (
    add_configuration,
    add_deprecated_flag,
    add_device,
    add_folder_flags,
    add_precision,
    add_verbose,
    options_from_arguments,
    parse_arguments,
    run_command,
    working_folder_of,
)

logger = logging.getLogger("thighseg.predict")

MIXED = "mixed"
"""What the deprecated ``--amp`` asks for: fp16 on CUDA, bf16 on a CPU."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``thigh_predict``."""
    parser = argparse.ArgumentParser(
        prog="thigh_predict",
        description="Segment the ten thigh muscles of CT scans with a trained model and write label maps "
        "on the scans' grids, per-muscle tables (volume, HU, fat fraction), a cohort summary and overlays.",
        epilog="Shared flags: documentation/common_flags.md",
    )
    parser.add_argument(
        "-i",
        "--input",
        dest="input_path",
        type=Path,
        required=True,
        metavar="IN",
        help="a CT file, a folder of them, a DICOM series folder or a folder of series folders",
    )
    parser.add_argument(
        "-o", "--output", dest="output_folder", type=Path, required=True, metavar="OUT", help="output folder"
    )
    parser.add_argument(
        "--series-uid",
        metavar="UID",
        help="IN is a DICOM folder of several series: read this one (default: the CT volume "
        "of the longest coverage, localizers skipped)",
    )
    parser.add_argument("-d", "--dataset", help="dataset the model was trained on (under THIGH_RESULTS)")
    add_configuration(parser, default="2d5")
    parser.add_argument(
        "-m",
        "--model",
        metavar="MODEL",
        help="instead of -d/-c: a model folder THIGH_RESULTS/DATASET/CONFIG, one of its fold_F folders, an "
        "archive written by thigh_export (.zip), or the name of a model installed with thigh_install",
    )
    parser.add_argument("-f", "--folds", nargs="+", help="folds to ensemble (default: every trained fold)")
    add_folder_flags(parser, "results")
    add_device(parser)
    add_precision(parser, note="prediction runs mixed precision as fp16 on CUDA, bf16 on a CPU")
    add_deprecated_flag(
        parser,
        "--amp",
        dest="precision",
        value=MIXED,
        instead="--precision bf16 on a CPU, --precision fp16 (or auto) on CUDA",
    )
    add_deprecated_flag(parser, "--no-amp", dest="precision", value="fp32", instead="--precision fp32")
    parser.add_argument(
        "--int8",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="CPU: run the 2D networks' convolutions in 8-bit integers (OpenVINO, quantised once per "
        "network on the calibration inputs thigh_train saves). Default: on when the networks run in "
        "OpenVINO with --precision auto (on trained phantom models the same Dice as bf16, the networks 1.25x faster); "
        "--no-int8 for float (bf16 or fp32 as --precision says)",
    )
    parser.add_argument(
        "--backend",
        choices=("auto", "torch", "openvino"),
        default="auto",
        help="what runs the networks: auto (default: OpenVINO on a CPU when installed, "
        "else PyTorch), torch or openvino",
    )
    parser.add_argument(
        "--voting",
        choices=("sum", "majority"),
        default="sum",
        help="combine orientations by winner-takes-all over summed probabilities (paper) "
        "or by majority of their label maps",
    )
    parser.add_argument(
        "--no-postprocess",
        dest="postprocess",
        action="store_false",
        help="keep every component, not only the largest",
    )
    parser.add_argument(
        "--save-probabilities", action="store_true", help="also write each leg's probabilities"
    )
    parser.add_argument("--overwrite", action="store_true", help="redo scans whose outputs exist")
    parser.add_argument("--num-parts", type=int, default=1, help="split the cohort into N parts")
    parser.add_argument("--part-id", type=int, default=0, help="which part (0..N-1) this run predicts")
    parser.add_argument(
        "--scan-timeout-minutes",
        type=float,
        help="predict each scan in a worker process and give up on a scan after this many "
        "minutes (it is reported as failed, the cohort goes on; a scan whose process runs out "
        "of memory is reported too); default: no limit, all in this process",
    )
    add_verbose(parser)
    return parser


def _model_folder(arguments: argparse.Namespace, unpack_folder: str) -> Path:
    from thigh_common.errors import InvalidInputError
    from thigh_common.model_files.layout import FOLD_PREFIX
    from thigh_common.model_files.locate import locate_model
    from thigh_inference.trained_model import model_folder_for

    if arguments.model:
        location = locate_model(arguments.model, unpack_folder=unpack_folder)
        return location.folder / f"{FOLD_PREFIX}{location.folds[0]}" if location.folds else location.folder
    results = working_folder_of(arguments, "results")
    dataset = arguments.dataset
    if dataset is None:
        trained = sorted(p.parent.name for p in results.glob(f"*/{arguments.configuration}") if p.is_dir())
        if len(trained) != 1:
            raise InvalidInputError(
                f"name the model with -d DATASET (or -m MODEL_FOLDER): {len(trained)} dataset(s) have a "
                f"{arguments.configuration} model under {results}: {', '.join(trained) or 'none'}"
            )
        dataset = trained[0]
    return model_folder_for(results, dataset, arguments.configuration)


def _mixed_precision(precision: str, device_type: str) -> bool:
    """Whether prediction runs in mixed precision, which is fp16 on CUDA and bf16 on a CPU.

    Raises:
        InvalidInputError: For bf16 on CUDA, which prediction does not run.
    """
    from thigh_common.errors import InvalidInputError

    if precision == "bf16" and device_type == "cuda":
        raise InvalidInputError(
            "thigh_predict runs mixed precision as fp16 on CUDA; use --precision fp16 (or auto) or fp32"
        )
    return precision != "fp32"


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``thigh_predict``."""
    arguments = parse_arguments(build_parser(), argv)

    def body() -> int:
        with contextlib.ExitStack() as stack:  # holds a model unpacked from an archive while predicting
            return predict(stack)

    def predict(stack: contextlib.ExitStack) -> int:
        from thigh_inference.backends import resolve_backend, resolve_int8
        from thigh_inference.predict_run import PredictOptions, cohort_scans, predict_cohort
        from thigh_inference.run_record import identity_of, run_record, write_run_record
        from thigh_inference.scan_process import ModelSource, check_scan_timeout
        from thigh_inference.sharding import check_part
        from thigh_networks.precision import choose_precision, resolve_device

        check_part(arguments.num_parts, arguments.part_id)
        check_scan_timeout(arguments.scan_timeout_minutes)
        device = resolve_device(arguments.device)
        request = arguments.precision
        if request == MIXED:
            request = "fp16" if device.type == "cuda" else "bf16"
        precision = choose_precision(request, device).name
        amp = _mixed_precision(precision, device.type)
        options = options_from_arguments(PredictOptions, arguments, device=device, amp=amp)
        scans = cohort_scans(options)  # before the model: refuses an OUT that holds the inputs
        backend = resolve_backend(arguments.backend, device)
        int8 = resolve_int8(arguments.int8, backend, arguments.precision)
        unpack = stack.enter_context(tempfile.TemporaryDirectory(prefix="thighseg-model-"))
        folder = _model_folder(arguments, unpack)
        source = ModelSource(folder, arguments.folds, device, backend, int8)
        model = source if options.scan_timeout_minutes else source.load()  # with a limit, the worker loads it
        record = run_record(identity_of(folder, arguments.folds), options.num_parts, options.part_id)
        options.output_folder.mkdir(parents=True, exist_ok=True)
        write_run_record(options.output_folder, record)
        failures = predict_cohort(model, options, scans)
        if failures.exit_code:
            print(failures.report(), file=sys.stderr)
        print(
            f"predicted {len(failures.succeeded)} scan(s) into {options.output_folder}; "
            f"{len(failures.failures)} failed"
        )
        return failures.exit_code

    return run_command(body)


if __name__ == "__main__":
    raise SystemExit(main())
