"""Benchmark of training throughput per orientation with the paper preset's 2D U-Net.

Times full training steps (forward, Dice loss, backward, clipping, Adam step, lr schedule)
on fixed random batches of the plans' batch size, for the axial (128 x 128) and the
coronal/sagittal (180 x 128) patches of the paper preset, and extrapolates one epoch of
250 iterations. Data loading is not included (see the data pipeline's benchmark).

Usage:
    .venv/bin/python benchmarks/bench_training.py
    .venv/bin/python benchmarks/bench_training.py --iterations 5 --device cuda --precision fp16
"""

from __future__ import annotations

import argparse
import logging
import resource
import time


def peak_memory_mib() -> float:
    """Peak resident memory of this process (MiB, Linux ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Training steps per second of the paper's 2D U-Net.")
    parser.add_argument("--iterations", type=int, default=3, help="timed iterations per orientation")
    parser.add_argument("--warmup", type=int, default=1, help="untimed iterations first")
    parser.add_argument("--batch-size", type=int, help="default: the plans' batch size")
    parser.add_argument("--epoch-iterations", type=int, default=250, help="iterations of one epoch")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", default="auto", help="auto, fp32, bf16 or fp16")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    import torch

    from thigh_networks import build_network, count_parameters
    from thigh_networks.precision import choose_precision, resolve_device
    from thigh_planner.plans import FingerprintSummary, build_plans
    from thigh_trainer.training.loop import build_loss_function
    from thigh_trainer.training.schedule import build_optimizer, build_scheduler
    from thigh_trainer.training.steps import train_step

    if args.threads:
        torch.set_num_threads(args.threads)
    summary = FingerprintSummary(24, (0.8, 0.8, 2.0), {"0.5": -60.0, "99.5": 140.0}, 50.0, 25.0, 420.0)
    configuration = build_plans(summary, "Benchmark", preset="paper").configuration("2d5")
    device = resolve_device(args.device)
    precision = choose_precision(args.precision, device)
    batch_size = args.batch_size or configuration.batch_size
    print(
        f"paper preset 2D U-Net: features {configuration.network.features_per_stage}, "
        f"{count_parameters(build_network(configuration.network)):,} parameters; batch {batch_size}, "
        f"{precision.name} on {device}, {torch.get_num_threads()} threads"
    )
    print(
        f"{'orientation':<12}{'patch':<10}{'s/iteration':>12}{'slices/s':>10}{'s/epoch':>10}{'peak MiB':>10}"
    )
    for orientation in configuration.orientations:
        patch = tuple(configuration.patch_size[orientation])
        torch.manual_seed(0)
        network = build_network(configuration.network).to(device)
        optimizer = build_optimizer(network.parameters(), configuration.training)
        scheduler = build_scheduler(optimizer, configuration.training.lr_schedule)
        scaler = precision.scaler()
        loss_function = build_loss_function(configuration.network, configuration.training)
        batch = {
            "data": torch.randn(batch_size, 3, *patch),
            "seg": torch.randint(0, configuration.network.num_classes, (batch_size, 1, *patch)).float(),
        }
        for _ in range(args.warmup):
            train_step(network, batch, loss_function, optimizer, scheduler, scaler, precision, device)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        started = time.perf_counter()
        for _ in range(args.iterations):
            train_step(network, batch, loss_function, optimizer, scheduler, scaler, precision, device)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        per_iteration = (time.perf_counter() - started) / args.iterations
        print(
            f"{orientation:<12}{'x'.join(map(str, patch)):<10}{per_iteration:>12.2f}"
            f"{batch_size / per_iteration:>10.1f}{per_iteration * args.epoch_iterations:>10.0f}"
            f"{peak_memory_mib():>10.0f}"
        )
    if device.type == "cuda":
        print(f"peak CUDA memory: {torch.cuda.max_memory_allocated(device) / 2**20:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
