"""Benchmark the engines that can run a planned 2D network on the CPU: slices per second.

Compares PyTorch eager (float32, and bf16 autocast; channels-last) with OpenVINO
(f32 and bf16 inference precision, and int8 convolutions quantised by NNCF) on the ``2d5`` network of a plans file, at the
axial patch size, with random weights (speed does not depend on them). This is how
``thigh_predict --backend auto`` came to pick OpenVINO on a CPU.

Usage:
    python benchmarks/bench_networks.py PLANS_JSON [--batch 32] [--repeats 4]
    python benchmarks/bench_networks.py --preset paper     # plans of a small phantom, made on the fly
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from thigh_inference.openvino_network import OpenVinoNetwork, openvino_available
from thigh_inference.quantisation import nncf_available
from thigh_networks import build_network
from thigh_planner.plans import load_plans


def _slices_per_second(run: Callable[[], object], slices: int, repeats: int) -> float:
    run()  # warm up (and compile)
    started = time.perf_counter()
    for _ in range(repeats):
        run()
    return slices * repeats / (time.perf_counter() - started)


def _plans_of_a_phantom(preset: str, folder: Path) -> Path:
    raw = folder / "raw" / "Bench"
    for module, arguments in (
        ("dataset_conversion.phantom.cli", ["-o", str(raw), "-n", "2", "--size", "tiny"]),
        ("thigh_planner.cli", [str(raw), "--preprocessed", str(folder / "pre"), "--preset", preset,
                               "--workers", "1", "--folds", "2"]),
    ):  # fmt: skip
        subprocess.run([sys.executable, "-m", module, *arguments], check=True, capture_output=True)
    return folder / "pre" / "Bench" / "plans.json"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("plans", nargs="?", help="a plans.json (default: plan a tiny phantom with --preset)")
    parser.add_argument("--preset", choices=("default", "paper"), default="paper")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=4)
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as temporary:
        plans_path = (
            Path(arguments.plans)
            if arguments.plans
            else _plans_of_a_phantom(arguments.preset, Path(temporary))
        )
        configuration = load_plans(plans_path).configuration("2d5")
        height, width = configuration.patch_size["axial"]
        torch.manual_seed(0)
        network = build_network(configuration.network).eval()
        batch = torch.randn(arguments.batch, 3, height, width)
        results: dict[str, float] = {}
        if openvino_available():
            runner = OpenVinoNetwork(network)
            results["openvino f32"] = _slices_per_second(
                lambda: runner(batch), arguments.batch, arguments.repeats
            )

            def openvino_bf16() -> object:
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    return runner(batch)

            results["openvino bf16"] = _slices_per_second(openvino_bf16, arguments.batch, arguments.repeats)
            if (
                nncf_available()
            ):  # int8 convolutions, calibrated on random inputs (speed does not depend on them)
                calibration = Path(temporary) / "calibration.npz"
                np.savez(calibration, inputs=np.random.default_rng(0).normal(size=(16, 3, height, width)))
                quantised = OpenVinoNetwork(network, calibration=calibration)

                def openvino_int8() -> object:
                    with torch.autocast("cpu", dtype=torch.bfloat16):
                        return quantised(batch)

                results["openvino int8"] = _slices_per_second(
                    openvino_int8, arguments.batch, arguments.repeats
                )
        channels_last = network.to(memory_format=torch.channels_last)
        batch_last = batch.contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            results["torch f32"] = _slices_per_second(lambda: channels_last(batch_last), arguments.batch,
                                                      arguments.repeats)  # fmt: skip

            def torch_bf16() -> object:
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    return channels_last(batch_last)

            results["torch bf16"] = _slices_per_second(torch_bf16, arguments.batch, arguments.repeats)
    print(f"2d5 network of {plans_path.name if arguments.plans else arguments.preset + ' preset'}, "
          f"{height} x {width} slices, batch {arguments.batch}, {torch.get_num_threads()} threads:")  # fmt: skip
    for name, speed in results.items():
        print(f"  {name:14s} {speed:7.1f} slices/s")


if __name__ == "__main__":
    main()
