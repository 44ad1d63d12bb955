"""Benchmark ``thigh_plan``: wall time and peak memory of planning and preprocessing phantom datasets.

Targets (issue: planner): 20 ``small`` cases with 2 workers in under 4 minutes;
one ``clinical`` case in under 60 s and 6 GB. Cross-validation needs at least two
cases, so the clinical figure is measured on two cases with one worker: the time
per case is the wall time over two, and the peak is that of the single process.

Usage:
    python benchmarks/bench_planning.py --size small --cases 20 --workers 2
    python benchmarks/bench_planning.py --size clinical --cases 2 --workers 1

The phantom is generated first (not timed) with ``thigh_synth``; then ``thigh_plan``
runs in a child process, timed from outside. Peak memory is the largest resident
set of any single process of the run (the planner or one of its workers).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _tool(name: str) -> list[str]:
    modules = {"thigh_synth": "dataset_conversion.phantom.cli", "thigh_plan": "thigh_planner.cli"}
    return [sys.executable, "-m", modules[name]]


MEASURE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def _run_measured(command: list[str]) -> int:
    """Run ``command`` under a fresh parent; return the largest resident set (kB) of it or its workers."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], check=True, stdout=subprocess.PIPE, text=True
    )
    lines = result.stdout.strip().splitlines()
    print("\n".join(lines[:-1]))
    return int(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=("tiny", "small", "clinical"), default="small")
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", help="keep the data in this folder instead of a temporary one")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as temporary:
        root = Path(arguments.keep or temporary)
        raw = root / "raw" / f"Bench_{arguments.size}"
        start = time.perf_counter()
        subprocess.run(
            [
                *_tool("thigh_synth"),
                "-o",
                str(raw),
                "-n",
                str(arguments.cases),
                "--seed",
                str(arguments.seed),
                "--size",
                arguments.size,
                "--overwrite",
            ],
            check=True,
        )
        synth_seconds = time.perf_counter() - start
        start = time.perf_counter()
        peak_kb = _run_measured(
            [
                *_tool("thigh_plan"),
                str(raw),
                "--preprocessed",
                str(root / "preprocessed"),
                "--workers",
                str(arguments.workers),
            ]
        )
        plan_seconds = time.perf_counter() - start
        peak_gb = peak_kb / 1024**2
        legs = len(list((root / "preprocessed" / raw.name / "legs").glob("*_seg.npy")))
    print(
        f"phantom: {arguments.cases} {arguments.size} case(s) generated in {synth_seconds:.1f} s (not counted)"
    )
    print(
        f"thigh_plan: {arguments.cases} case(s), {legs} legs, {arguments.workers} worker(s): "
        f"{plan_seconds:.1f} s wall ({plan_seconds / arguments.cases:.1f} s per case), "
        f"peak memory of one process {peak_gb:.2f} GB"
    )


if __name__ == "__main__":
    main()
