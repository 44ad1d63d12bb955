"""``thigh_predict -i IN -o OUT``: segment and measure the thigh muscles of CT scans."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from thigh_common.cli import run_command, setup_logging

logger = logging.getLogger("thighseg.predict")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``thigh_predict``."""
    parser = argparse.ArgumentParser(
        prog="thigh_predict",
        description="Segment the ten thigh muscles of CT scans with a trained model and write label maps "
        "on the scans' grids, per-muscle tables (volume, HU, fat fraction), a cohort summary and overlays.",
    )
    parser.add_argument("-i", "--input", required=True, help="a CT file, a folder of them, a DICOM series folder "
                        "or a folder of series folders")  # fmt: skip
    parser.add_argument("-o", "--output", required=True, help="output folder")
    parser.add_argument("--series-uid", metavar="UID",
                        help="IN is a DICOM folder of several series: read this one (default: the CT volume "
                        "of the longest coverage, localizers skipped)")  # fmt: skip
    parser.add_argument("-d", "--dataset", help="dataset the model was trained on (under THIGH_RESULTS)")
    parser.add_argument("-c", "--configuration", default="2d5", help="2d5 (default), 2d or 3d")
    parser.add_argument("-m", "--model", help="model folder THIGH_RESULTS/DATASET/CONFIG (instead of -d/-c)")
    parser.add_argument("-f", "--folds", nargs="+", help="folds to ensemble (default: every trained fold)")
    parser.add_argument("--results", help="results root (overrides THIGH_RESULTS)")
    parser.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    parser.add_argument("--amp", action=argparse.BooleanOptionalAction, default=None,
                        help="mixed precision: fp16 on CUDA, bf16 on a CPU (default: on for CUDA and for CPUs "
                        "with native bf16, off elsewhere; --no-amp for float32)")  # fmt: skip
    parser.add_argument("--int8", action="store_true",
                        help="CPU only: run the convolutions in 8-bit integers (OpenVINO, quantised once per "
                             "network on the calibration inputs thigh_train saves; about 1.9x faster than "
                             "--amp; on a phantom model 1.7%% of the labelled voxels changed, Dice did not drop)")  # fmt: skip
    parser.add_argument("--backend", choices=("auto", "torch", "openvino"), default="auto",
                        help="what runs the networks: auto (default: OpenVINO on a CPU when installed, "
                        "else PyTorch), torch or openvino")  # fmt: skip
    parser.add_argument("--voting", choices=("sum", "majority"), default="sum",
                        help="combine orientations by winner-takes-all over summed probabilities (paper) "
                        "or by majority of their label maps")  # fmt: skip
    parser.add_argument(
        "--no-postprocess", action="store_true", help="keep every component, not only the largest"
    )
    parser.add_argument(
        "--save-probabilities", action="store_true", help="also write each leg's probabilities"
    )
    parser.add_argument("--overwrite", action="store_true", help="redo scans whose outputs exist")
    parser.add_argument("--num-parts", type=int, default=1, help="split the cohort into N parts")
    parser.add_argument("--part-id", type=int, default=0, help="which part (0..N-1) this run predicts")
    parser.add_argument("--scan-timeout-minutes", type=float,
                        help="predict each scan in a worker process and give up on a scan after this many "
                        "minutes (it is reported as failed, the cohort goes on; a scan whose process runs out "
                        "of memory is reported too); default: no limit, all in this process")  # fmt: skip
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def _model_folder(arguments: argparse.Namespace) -> Path:
    from thigh_common.errors import InvalidInputError
    from thigh_common.paths import working_folder
    from thigh_inference.trained_model import model_folder_for

    if arguments.model:
        return Path(arguments.model)
    results = working_folder("THIGH_RESULTS", arguments.results)
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``thigh_predict``."""
    arguments = build_parser().parse_args(argv)
    setup_logging(arguments.verbose)

    def body() -> int:
        from thigh_inference.backends import check_int8, resolve_backend
        from thigh_inference.predict_run import PredictOptions, cohort_scans, predict_cohort
        from thigh_inference.scan_process import ModelSource, check_scan_timeout
        from thigh_inference.sharding import check_part
        from thigh_networks.precision import mixed_precision_by_default, resolve_device

        check_part(arguments.num_parts, arguments.part_id)
        check_scan_timeout(arguments.scan_timeout_minutes)
        device = resolve_device(arguments.device)
        options = PredictOptions(
            input_path=Path(arguments.input),
            output_folder=Path(arguments.output),
            device=device,
            amp=mixed_precision_by_default(device) if arguments.amp is None else arguments.amp,
            voting=arguments.voting,
            postprocess=not arguments.no_postprocess,
            save_probabilities=arguments.save_probabilities,
            overwrite=arguments.overwrite,
            num_parts=arguments.num_parts,
            part_id=arguments.part_id,
            series_uid=arguments.series_uid,
            scan_timeout_minutes=arguments.scan_timeout_minutes,
        )
        scans = cohort_scans(options)  # before the model: refuses an OUT that holds the inputs
        backend = resolve_backend(arguments.backend, device)
        check_int8(arguments.int8, backend)
        source = ModelSource(_model_folder(arguments), arguments.folds, device, backend, arguments.int8)
        model = source if options.scan_timeout_minutes else source.load()  # with a limit, the worker loads it
        failures = predict_cohort(model, options, scans)
        if failures.exit_code:
            print(failures.report(), file=sys.stderr)
        print(f"predicted {len(failures.succeeded)} scan(s) into {options.output_folder}; "
              f"{len(failures.failures)} failed")  # fmt: skip
        return failures.exit_code

    return run_command(body)


if __name__ == "__main__":
    raise SystemExit(main())
