"""Benchmark of the phantom generator: wall time and peak memory of one case.

Usage:
    .venv/bin/python benchmarks/bench_phantom.py --size small --seed 0
    .venv/bin/python benchmarks/bench_phantom.py --size clinical --seed 0
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path


def peak_memory_mib() -> float:
    """Peak resident memory of this process and its children (MiB, Linux ru_maxrss in KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time one thigh_synth case and report its peak memory.")
    parser.add_argument("--size", choices=("tiny", "small", "clinical"), default="small")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--index", type=int, default=0, help="case index (default 0)")
    parser.add_argument("--preview", action="store_true", help="also write the preview PNG")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    from dataset_conversion.phantom.writer import PhantomRequest, write_dataset

    with tempfile.TemporaryDirectory(prefix="bench_phantom_") as folder:
        request = PhantomRequest(
            output=Path(folder) / "ds",
            num_cases=1,
            seed=args.seed,
            size=args.size,
            start_index=args.index,
            preview=args.preview,
        )
        start = time.perf_counter()
        write_dataset(request)
        wall = time.perf_counter() - start
        image = next((Path(folder) / "ds" / "imagesTr").iterdir())
        size_mib = image.stat().st_size / 2**20
    print(
        f"thigh_synth size={args.size} seed={args.seed} index={args.index}: "
        f"wall {wall:.1f} s, peak RSS {peak_memory_mib():.0f} MiB, image file {size_mib:.1f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
