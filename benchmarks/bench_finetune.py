"""Fine-tuning benchmark: does a model grown by the annotation loop beat training again from scratch?

The loop of ``documentation/tutorial_bootstrap.md``, run through the commands on phantoms:

1. ``thigh_synth``: ``--base-cases`` annotated scans, ``--new-cases`` new scans (the
   phantom's true labels stand for the hand-edited predictions) and ``--eval-cases``
   held-out scans from another seed;
2. a base model: ``thigh_plan``, ``thigh_train 2d5 all`` for ``--base-epochs``;
3. the grown dataset: ``thigh_convert pairs --append`` adds the new pairs, ``thigh_plan
   --plans-from`` plans it on the base model's plans;
4. for every budget in ``--epochs`` (epochs of ``--iterations`` iterations, the same for
   both): ``thigh_train --pretrained BASE`` (fine-tuning, optionally ``--freeze-encoder``)
   and ``thigh_train`` from random weights (scratch) on the grown dataset;
5. ``thigh_predict`` and ``thigh_evaluate`` score every model on the held-out scans.

It prints the held-out mean Dice and ASD of the base model and of both arms per budget, with
the training minutes, and writes them to ``OUT/finetune.json``. Budgets are iterations, so
the Dice figures do not depend on the machine's load; the minutes do.

Usage:
    .venv/bin/python benchmarks/bench_finetune.py --out bench_finetune
    .venv/bin/python benchmarks/bench_finetune.py --base-cases 4 --new-cases 4 --epochs 2 6 --iterations 25
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from bench_commands import command, run
from bench_learning import read_metrics

BASE, GROWN, NEW, HELD_OUT = "FtBase", "FtGrown", "FtNew", "FtEval"


def synthesise(args: argparse.Namespace, raw: Path, log: Path) -> None:
    """The base, new and held-out phantoms (new cases continue the base seed's indices)."""
    for name, cases, seed, start in (
        (BASE, args.base_cases, args.seed, 0),
        (NEW, args.new_cases, args.seed, args.base_cases),
        (HELD_OUT, args.eval_cases, args.eval_seed, 0),
    ):
        if not (raw / name / "dataset.json").exists():
            run(
                [
                    command("thigh_synth"),
                    "-o",
                    str(raw / name),
                    "-n",
                    str(cases),
                    "--size",
                    args.size,
                    "--seed",
                    str(seed),
                    "--start-index",
                    str(start),
                    "--overwrite",
                ],
                log,
            )


def train(
    args: argparse.Namespace, dataset: str, work: Path, results: Path, epochs: int, *extra: str
) -> float:
    """Train ``2d5 all`` on a planned dataset; return the minutes it took."""
    shutil.rmtree(results, ignore_errors=True)
    arguments = [
        command("thigh_train"),
        "2d5",
        "all",
        "-d",
        dataset,
        "--preprocessed",
        str(work / "preprocessed"),
        "--results",
        str(results),
        "--epochs",
        str(epochs),
        "--iterations",
        str(args.iterations),
        "--workers",
        str(args.workers),
        "--seed",
        str(args.seed),
        *extra,
    ]
    return round(run(arguments, work / "log.txt").seconds / 60.0, 2)


def score(model: Path, work: Path, tag: str) -> dict:
    """Held-out mean Dice, ASD and HD95 of ``model`` (predicted and evaluated through the commands)."""
    predictions, evaluation = work / "predictions" / tag, work / "evaluation" / tag
    for folder in (predictions, evaluation):
        shutil.rmtree(folder, ignore_errors=True)
    held_out = work / "raw" / HELD_OUT
    run(
        [
            command("thigh_predict"),
            "-i",
            str(held_out / "imagesTr"),
            "-o",
            str(predictions),
            "-m",
            str(model),
        ],
        work / "log.txt",
    )
    run(
        [
            command("thigh_evaluate"),
            "-r",
            str(held_out / "labelsTr"),
            "-p",
            str(predictions),
            "-o",
            str(evaluation),
        ],
        work / "log.txt",
    )
    return read_metrics(evaluation)


def grow_dataset(work: Path, base_model: Path) -> None:
    """Copy the base dataset, append the new pairs, and plan it on the base model's plans."""
    raw = work / "raw"
    shutil.rmtree(raw / GROWN, ignore_errors=True)
    shutil.copytree(raw / BASE, raw / GROWN)
    run(
        [
            command("thigh_convert"),
            "pairs",
            str(raw / NEW / "imagesTr"),
            str(raw / NEW / "labelsTr"),
            str(raw / GROWN),
            "--append",
        ],
        work / "log.txt",
    )
    run(
        [
            command("thigh_plan"),
            str(raw / GROWN),
            "--preprocessed",
            str(work / "preprocessed"),
            "--plans-from",
            str(base_model),
            "--workers",
            "2",
        ],
        work / "log.txt",
    )


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench_finetune"), help="work folder")
    parser.add_argument("--base-cases", type=int, default=4)
    parser.add_argument("--new-cases", type=int, default=4)
    parser.add_argument("--eval-cases", type=int, default=3)
    parser.add_argument("--size", default="small")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-seed", type=int, default=500)
    parser.add_argument("--base-epochs", type=int, default=12)
    parser.add_argument("--epochs", type=int, nargs="+", default=[2, 6], help="budgets of both arms")
    parser.add_argument("--iterations", type=int, default=25)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--freeze-encoder", action="store_true", help="also fine-tune with a frozen encoder (smallest budget)"
    )
    parser.add_argument("--reuse-base", action="store_true", help="keep a base model an earlier run trained")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    work = args.out.resolve()
    work.mkdir(parents=True, exist_ok=True)
    synthesise(args, work / "raw", work / "log.txt")
    run(
        [
            command("thigh_plan"),
            str(work / "raw" / BASE),
            "--preprocessed",
            str(work / "preprocessed"),
            "--workers",
            "2",
        ],
        work / "log.txt",
    )
    base_results = work / "results_base"
    base_model = base_results / BASE / "2d5"
    if args.reuse_base and (base_model / "fold_all" / "sagittal" / "checkpoint_final.pt").is_file():
        base = {"epochs": args.base_epochs, "minutes": None}  # trained by an earlier run of this benchmark
    else:
        base = {
            "epochs": args.base_epochs,
            "minutes": train(args, BASE, work, base_results, args.base_epochs),
        }
    base.update(score(base_model, work, "base"))
    grow_dataset(work, base_model)
    arms = {"fine-tuned": ["--pretrained", str(base_model)], "scratch": []}
    frozen = {"fine-tuned, encoder frozen": ["--pretrained", str(base_model), "--freeze-encoder"]}
    rows = []
    for epochs in args.epochs:
        # the frozen encoder is measured at the smallest budget only (the case it is meant for)
        extra_arms = frozen if args.freeze_encoder and epochs == min(args.epochs) else {}
        for arm, extra in {**arms, **extra_arms}.items():
            tag = f"{arm.split(',')[0]}{'_frozen' if 'frozen' in arm else ''}_{epochs}"
            results = work / f"results_{tag}"
            minutes = train(args, GROWN, work, results, epochs, *extra)
            rows.append(
                {
                    "arm": arm,
                    "epochs": epochs,
                    "minutes": minutes,
                    **score(results / GROWN / "2d5", work, tag),
                }
            )
    figures = {"settings": vars(args) | {"out": str(args.out)}, "base": base, "runs": rows}
    (work / "finetune.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(
        f"base model ({args.base_cases} cases, {args.base_epochs} epochs x {args.iterations} iterations, "
        f"{base['minutes']} min): held-out Dice {base['mean']['dice']:.3f}, ASD {base['mean']['asd_mm']:.2f} mm"
    )
    print(f"grown dataset: {args.base_cases} + {args.new_cases} cases; held-out: {base['legs']} legs")
    print("| arm | epochs | minutes | Dice | ASD (mm) |\n| --- | --- | --- | --- | --- |")
    for row in rows:
        print(
            f"| {row['arm']} | {row['epochs']} | {row['minutes']} | {row['mean']['dice']:.3f} | "
            f"{row['mean']['asd_mm']:.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
