"""Benchmark ``thigh_predict`` on one phantom scan: wall time per step and peak memory.

Target (issue: inference): one ``clinical`` phantom scan (512 x 512 in-plane, both thighs)
on 2 CPU cores with the 2d5 model of the default preset and no flags: all five folds in
under 30 s end to end, one fold in under 10 s, peak memory under 6 GB (``--preset paper``
for the paper's network).

Speed does not depend on the weights, so the model is built, not trained: the planned
networks with their initial weights are saved as checkpoints of ``--folds`` folds. The
scan is planned first (not timed) so that the plans match the data.

The command runs twice with a fresh network cache: the first run converts the
networks for OpenVINO (about 0.3 s each) and, in int8 (thigh_predict's default on a
CPU), quantises them (about 3 s each); the second finds them converted, as every
later run on the same model does.

Usage:
    python benchmarks/bench_predict.py --size clinical --folds 5              # the defaults (int8 on a CPU)
    python benchmarks/bench_predict.py --size clinical --folds 5 --int8 off   # bf16 (or float32) networks
    python benchmarks/bench_predict.py --size clinical --folds 1 --precision bf16 --backend torch
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from thigh_inference.calibration import CALIBRATION_FILE, write_calibration
from thigh_networks import build_network
from thigh_networks.checkpoint import FINAL, save_checkpoint
from thigh_planner.plans import load_plans, save_plans
from thigh_planner.preprocessed_leg import load_leg

INT8_FLAGS = {"auto": [], "on": ["--int8"], "off": ["--no-int8"]}
MEASURE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def _run(module: str, *arguments: str) -> None:
    subprocess.run([sys.executable, "-m", module, *arguments], check=True, capture_output=True)


def _untrained_model(preprocessed: Path, results: Path, folds: int) -> None:
    """Checkpoints of ``folds`` folds with initial weights, and calibration inputs as thigh_train writes them."""
    plans = load_plans(preprocessed / "plans.json")
    configuration = plans.configuration("2d5")
    model = results / "Bench" / "2d5"
    legs = sorted(p.stem for p in (preprocessed / "legs").glob("*.json"))
    images = [load_leg(preprocessed / "legs", name)[1] for name in legs]
    for fold in range(folds):
        folder = model / f"fold_{fold}"
        save_plans(plans, folder / "plans.json")
        for orientation in configuration.orientations:
            torch.manual_seed(fold)
            network = build_network(configuration.network)
            save_checkpoint(folder / orientation / FINAL, {"network": network.state_dict()})
            record = {"options": {"configuration": "2d5"}}
            (folder / orientation / "training.json").write_text(json.dumps(record))
            write_calibration(folder / orientation / CALIBRATION_FILE, images, orientation,
                              plans.neighbour_offset_slices[orientation], configuration.patch_size[orientation])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=("tiny", "small", "clinical"), default="clinical")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--preset", choices=("default", "paper"), default="default")
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                        help="thigh_predict --precision (default auto: bf16 on CPUs with native bf16)")  # fmt: skip
    parser.add_argument(
        "--int8",
        choices=("auto", "on", "off"),
        default="auto",
        help="thigh_predict's default (auto: int8 on a CPU), --int8 (on) or --no-int8 (off)",
    )
    parser.add_argument("--backend", choices=("auto", "torch", "openvino"), default="auto")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        raw = root / "raw" / "Bench"
        _run("dataset_conversion.phantom.cli", "-o", str(raw), "-n", "2", "--size", arguments.size)
        _run("thigh_planner.cli", str(raw), "--preprocessed", str(root / "pre"), "--preset", arguments.preset,
             "--workers", "1", "--folds", "2")  # fmt: skip
        _untrained_model(root / "pre" / "Bench", root / "results", arguments.folds)
        scan = raw / "imagesTr" / "phantom_000_0000.nii.gz"
        command = [sys.executable, "-m", "thigh_inference.cli", "-i", str(scan), "-o", str(root / "out"),
                   "--results", str(root / "results"), "-d", "Bench", "--backend", arguments.backend,
                   "--overwrite", "--precision", arguments.precision] + INT8_FLAGS[arguments.int8]  # fmt: skip
        environment = dict(os.environ, THIGH_CACHE=str(root / "cache"))
        precision = "".join(f", {flag}" for flag in INT8_FLAGS[arguments.int8])
        precision += {"bf16": ", bf16", "fp32": ", float32", "auto": ""}[arguments.precision]
        print(f"thigh_predict, one {arguments.size} scan, {arguments.folds} fold(s) of 2d5 ({arguments.preset} "
              f"preset), backend {arguments.backend}{precision}:")  # fmt: skip
        for run_name in ("first run", "second run"):
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-c", MEASURE, *command], check=True, capture_output=True, text=True,
                env=environment,
            )  # fmt: skip
            seconds = time.perf_counter() - started
            peak_gb = int(result.stdout.strip().splitlines()[-1]) / 1024**2
            steps = [line.split("INFO ", 1)[-1] for line in result.stderr.splitlines() if "done in" in line]
            print(
                f"  {run_name}: {seconds:.1f} s end to end (process start included), peak memory {peak_gb:.2f} GB"
            )
            for line in steps:
                print(f"    {line}")


if __name__ == "__main__":
    main()
