"""Learning benchmark: does a configuration, trained for a stated budget, segment held-out phantoms?

The instrument behind the accuracy figures of the README and ``documentation/accuracy.md``.
It runs the toolkit the way a user does, through its commands:

1. ``thigh_synth`` writes the training phantoms (``--train-seed``) and, from another seed
   (``--eval-seed``), the evaluation phantoms: disjoint seeds, never used for tuning;
2. ``thigh_plan`` plans the training set with ``--preset``;
3. ``thigh_train CONFIG all`` trains on every training case, once per budget in ``--minutes``
   (each from scratch: a 2.5D model exists only once its three networks are trained), or for
   a fixed number of epochs and iterations (``--epochs``/``--iterations``, machine-independent);
4. ``thigh_predict`` segments the evaluation scans with each model, ``thigh_evaluate`` scores
   them (Dice, ASD and HD95 per leg and muscle, on the scans' own grids).

It prints, per budget, the held-out mean and per-muscle Dice, ASD and HD95, and writes them to
``OUT/learning.json`` with a curve of held-out Dice against training minutes in
``OUT/learning.png``.

Usage:
    .venv/bin/python benchmarks/bench_learning.py --minutes 10 30 --out bench_learning
    .venv/bin/python benchmarks/bench_learning.py --epochs 4 --iterations 50 --train-cases 4 --eval-cases 2

State the machine with every figure: budgets are CPU (or GPU) wall-clock minutes of training.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
from pathlib import Path

from bench_commands import command, run

logger = logging.getLogger("bench_learning")
MUSCLES = (
    "sartorius",
    "rectus_femoris",
    "vastus_lateralis",
    "vastus_intermedius",
    "vastus_medialis",
    "adductors",
    "gracilis",
    "biceps_femoris",
    "semitendinosus",
    "semimembranosus",
)
METRICS = ("dice", "asd_mm", "hd95_mm")


def synthesise(args: argparse.Namespace, raw: Path, log: Path) -> tuple[Path, Path]:
    """Write the training and evaluation phantoms; return their folders."""
    train, evaluation = raw / "LearnTrain", raw / "LearnEval"
    for folder, cases, seed in (
        (train, args.train_cases, args.train_seed),
        (evaluation, args.eval_cases, args.eval_seed),
    ):
        if not (folder / "dataset.json").exists():
            run([command("thigh_synth"), "-o", str(folder), "-n", str(cases), "--size", args.size,
                 "--seed", str(seed), "--overwrite"], log)  # fmt: skip
    return train, evaluation


def train_arguments(
    args: argparse.Namespace, preprocessed: Path, results: Path, minutes: float | None
) -> list[str]:
    """The ``thigh_train`` command of one budget."""
    arguments = [command("thigh_train"), args.configuration, "all", "-d", "LearnTrain",
                 "--preprocessed", str(preprocessed), "--results", str(results),
                 "--workers", str(args.workers), "--seed", str(args.seed)]  # fmt: skip
    if minutes is not None:
        arguments += ["--max-minutes", str(minutes)]
    for flag, value in (("--epochs", args.epochs), ("--iterations", args.iterations),
                        ("--batch-size", args.batch_size), ("--lr", args.lr), ("--precision", args.precision)):  # fmt: skip
        if value is not None:
            arguments += [flag, str(value)]
    return arguments


def read_metrics(evaluation: Path) -> dict:
    """Held-out figures from ``thigh_evaluate``'s ``summary.json``: overall and per muscle means."""
    summary = json.loads((evaluation / "summary.json").read_text(encoding="utf-8"))
    overall = summary["overall"]["metrics"]
    per_muscle = {
        name: {metric: summary["per_class"][name]["metrics"][metric]["mean"] for metric in METRICS}
        for name in MUSCLES
    }
    return {
        "legs": summary["num_legs"],
        "mean": {metric: overall[metric]["mean"] for metric in METRICS},
        "sd": {metric: overall[metric]["sd"] for metric in METRICS},
        "per_muscle": per_muscle,
    }


def training_facts(results: Path, configuration: str) -> dict:
    """Epochs, iterations of the last epoch and whether the budget stopped each network."""
    import torch

    facts = {}
    fold = results / "LearnTrain" / configuration / "fold_all"
    for network in sorted(p for p in fold.iterdir() if (p / "checkpoint_final.pt").is_file()):
        content = torch.load(network / "checkpoint_final.pt", map_location="cpu", weights_only=False)
        facts[network.name] = {
            "epochs": int(content["epoch"]),
            "last_epoch_iterations": content.get("last_epoch_iterations"),
            "stopped_by_deadline": bool(content.get("stopped_by_deadline", False)),
        }
    return facts


def evaluate_budget(
    args: argparse.Namespace, work: Path, evaluation_raw: Path, minutes: float | None
) -> dict:
    """Train one model for ``minutes`` (or the fixed epochs), predict and score the evaluation set."""
    tag = "fixed" if minutes is None else f"{minutes:g}min"
    results, predictions, scores = (
        work / f"results_{tag}",
        work / f"predictions_{tag}",
        work / f"evaluation_{tag}",
    )
    log = work / f"log_{tag}.txt"
    for folder in (results, predictions, scores):
        shutil.rmtree(folder, ignore_errors=True)
    seconds_training = run(train_arguments(args, work / "preprocessed", results, minutes), log).seconds
    model = results / "LearnTrain" / args.configuration
    predict = [command("thigh_predict"), "-i", str(evaluation_raw / "imagesTr"), "-o", str(predictions),
               "-m", str(model)]  # fmt: skip
    seconds_predicting = run(predict, log).seconds
    run(
        [
            command("thigh_evaluate"),
            "-r",
            str(evaluation_raw / "labelsTr"),
            "-p",
            str(predictions),
            "-o",
            str(scores),
        ],
        log,
    )
    figures = read_metrics(scores)
    figures.update(
        budget_minutes=minutes,
        training_minutes=round(seconds_training / 60.0, 2),
        prediction_seconds=round(seconds_predicting, 1),
        networks=training_facts(results, args.configuration),
        evaluation_folder=str(scores),
    )
    return figures


def print_figures(figures: dict) -> None:
    """One block per budget: mean Dice, ASD and HD95, then one line per muscle."""
    mean = figures["mean"]
    print(
        f"\n== {figures['budget_minutes'] or 'fixed epochs'} (trained {figures['training_minutes']} min, "
        f"{figures['legs']} held-out legs): mean Dice {mean['dice']:.3f}, ASD {mean['asd_mm']:.2f} mm, "
        f"HD95 {mean['hd95_mm']:.2f} mm"
    )
    for network, facts in figures["networks"].items():
        print(
            f"   {network}: {facts['epochs']} epochs, last epoch {facts['last_epoch_iterations']} iterations"
        )
    for name, values in figures["per_muscle"].items():
        print(
            f"   {name:20s} Dice {values['dice']:.3f}  ASD {values['asd_mm']:.2f}  HD95 {values['hd95_mm']:.2f}"
        )


def plot_curve(runs: list[dict], path: Path) -> None:
    """Held-out Dice (mean and per muscle) against training minutes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    runs = sorted(runs, key=lambda r: r["training_minutes"])
    minutes = [r["training_minutes"] for r in runs]
    figure, axis = pyplot.subplots(figsize=(7, 4.5))
    for name in MUSCLES:
        axis.plot(minutes, [r["per_muscle"][name]["dice"] for r in runs], marker=".", lw=0.8, label=name)
    axis.plot(minutes, [r["mean"]["dice"] for r in runs], marker="o", lw=2.5, color="black", label="mean")
    axis.set(xlabel="training minutes", ylabel="held-out Dice", ylim=(0, 1), title="bench_learning")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7, ncol=2, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    pyplot.close(figure)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configuration", default="2d5", help="2d5, 2d or 3d (default 2d5)")
    parser.add_argument("--preset", default="default", help="thigh_plan preset (default: default)")
    parser.add_argument("--minutes", type=float, nargs="*", default=[30.0],
                        help="training budgets, one model each, from scratch (default 30)")  # fmt: skip
    parser.add_argument(
        "--epochs", type=int, help="fixed epochs instead of the plans' (with --minutes none: no budget)"
    )
    parser.add_argument("--iterations", type=int, help="iterations per epoch (overrides the plans)")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--precision", help="thigh_train --precision (default: its auto)")
    parser.add_argument("--train-cases", type=int, default=8)
    parser.add_argument("--eval-cases", type=int, default=4)
    parser.add_argument("--train-seed", type=int, default=1000)
    parser.add_argument("--eval-seed", type=int, default=2000)
    parser.add_argument("--size", default="small", help="phantom size (default small)")
    parser.add_argument("--seed", type=int, default=0, help="training seed")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench_learning"), help="work and result folder")
    args = parser.parse_args(argv)
    if args.train_seed == args.eval_seed:
        parser.error("--train-seed and --eval-seed must differ: the evaluation phantoms must be unseen")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    work = args.out.resolve()
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    log = work / "log_setup.txt"
    train_raw, evaluation_raw = synthesise(args, work / "raw", log)
    if not (work / "preprocessed" / "LearnTrain" / "preprocessing.json").exists():
        run([command("thigh_plan"), str(train_raw), "--preprocessed", str(work / "preprocessed"),
             "--preset", args.preset, "--workers", "2"], log)  # fmt: skip
    budgets: list[float | None] = list(args.minutes) if args.minutes else [None]
    runs = []
    for minutes in budgets:
        logger.info(
            "training %s for %s", args.configuration, f"{minutes:g} min" if minutes else "fixed epochs"
        )
        figures = evaluate_budget(args, work, evaluation_raw, minutes)
        print_figures(figures)
        runs.append(figures)
        report = {
            "configuration": args.configuration,
            "preset": args.preset,
            "train_cases": args.train_cases,
            "eval_cases": args.eval_cases,
            "train_seed": args.train_seed,
            "eval_seed": args.eval_seed,
            "size": args.size,
            "machine": f"{os.cpu_count()} CPUs",
            "runs": runs,
        }
        (work / "learning.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
        plot_curve(runs, work / "learning.png")
    print(f"\nwrote {work / 'learning.json'} and {work / 'learning.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
