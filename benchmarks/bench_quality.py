"""Quality-flag benchmark: how often ``thigh_predict`` flags muscles on clean and degraded scans, and why.

For every ``NAME=DATASET`` given (a raw dataset with ``imagesTr`` and ``labelsTr``: clean
held-out phantoms, phantoms rendered with a condition, ...) and every model, the scans are
predicted with ``thigh_predict`` and scored with ``thigh_evaluate``. Per set it prints the
share of leg-muscles flagged ``check``, the reasons, and how the flags line up with the true
Dice: the flagged share among muscles with Dice < ``--bad-dice`` (sensitivity) and among
those above (false alarms). With ``--timing-scan`` it also times ``predict_scan`` on one scan
with and without the scores (the cost of the flag). Figures go to ``OUT/quality.json``.

Usage:
    .venv/bin/python benchmarks/bench_quality.py --model results/LearnTrain/2d5
    (then) --sets clean=raw/Clean low-dose=raw/LowDose --out bench_quality
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import pandas as pd
from bench_commands import command, run


def parse_set(text: str) -> tuple[str, Path]:
    name, _, folder = text.partition("=")
    if not folder:
        raise argparse.ArgumentTypeError(f"expected NAME=DATASET, got {text!r}")
    return name, Path(folder)


def flagged_table(predictions: Path, evaluation: Path) -> pd.DataFrame:
    """One row per case, leg and muscle: qc, reason and the true Dice."""
    tables = [pd.read_csv(path) for path in sorted(predictions.glob("*_muscles.csv"))]
    muscles = pd.concat(tables, ignore_index=True)
    muscles = muscles[(muscles["kind"] == "muscle") & (muscles["volume_ml"] > 0)]
    metrics = pd.read_csv(evaluation / "metrics.csv")
    metrics = metrics[metrics["kind"] == "class"].rename(columns={"leg": "side", "structure": "muscle"})
    return muscles.merge(
        metrics[["case", "side", "muscle", "dice"]], on=["case", "side", "muscle"], how="left"
    )


def rescored(table: pd.DataFrame) -> pd.DataFrame:
    """The flags recomputed from the scores with the current thresholds (the volume check kept as it was)."""
    from thigh_inference.quality import QC_CHECK, QC_OK, QualityThresholds, _reasons

    thresholds = QualityThresholds()
    table = table.copy()
    for index, row in table.iterrows():
        reasons = _reasons(row, thresholds, None)
        old = str(row["qc_reason"]) if isinstance(row["qc_reason"], str) else ""
        reasons += [reason for reason in old.split("; ") if "far outside training" in reason]
        table.at[index, "qc"] = QC_CHECK if reasons else QC_OK
        table.at[index, "qc_reason"] = "; ".join(reasons)
    return table


def summarise(table: pd.DataFrame, bad_dice: float) -> dict:
    flagged = table["qc"].eq("check")
    bad = table["dice"] < bad_dice
    reasons = (
        table.loc[flagged, "qc_reason"]
        .str.split("; ")
        .explode()
        .str.replace(r" \(.*", "", regex=True)
        .value_counts()
    )
    return {
        "muscles": int(len(table)),
        "flagged": int(flagged.sum()),
        "flag_rate": round(float(flagged.mean()), 4) if len(table) else None,
        "bad_muscles": int(bad.sum()),
        "flagged_among_bad": round(float(flagged[bad].mean()), 3) if bad.any() else None,
        "flagged_among_good": round(float(flagged[~bad].mean()), 3) if (~bad).any() else None,
        "mean_dice_flagged": round(float(table.loc[flagged, "dice"].mean()), 3) if flagged.any() else None,
        "mean_dice_unflagged": round(float(table.loc[~flagged, "dice"].mean()), 3)
        if (~flagged).any()
        else None,
        "reasons": {reason: int(count) for reason, count in reasons.items()},
    }


def time_quality(model: Path, scan: Path, repeats: int) -> dict:
    """Seconds of predict_scan on one scan without and with the quality scores (best of ``repeats``)."""
    import SimpleITK as sitk
    import torch

    from thigh_inference.scan_prediction import predict_scan
    from thigh_inference.settings import PredictionSettings
    from thigh_inference.trained_model import load_model

    loaded = load_model(model, None, torch.device("cpu"), backend="openvino")
    image = sitk.ReadImage(str(scan))
    seconds = {}
    for quality in (False, True):
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            predict_scan(image, loaded, scan.name, PredictionSettings(amp=True, quality=quality))
            best = min(best, time.perf_counter() - started)
        seconds["with_scores" if quality else "without_scores"] = round(best, 2)
    seconds["cost_percent"] = round(100 * (seconds["with_scores"] / seconds["without_scores"] - 1), 1)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", type=Path, action="append", required=True, help="model folder (repeatable)"
    )
    parser.add_argument("--sets", type=parse_set, nargs="*", default=[], help="NAME=DATASET ...")
    parser.add_argument("--out", type=Path, default=Path("bench_quality"))
    parser.add_argument("--bad-dice", type=float, default=0.7)
    parser.add_argument(
        "--timing-scan", type=Path, help="a scan to time predict_scan on, with and without scores"
    )
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--rescore",
        action="store_true",
        help="recompute the flags of OUT/flags_*.csv with the current thresholds",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "log.txt"
    figures: dict = {"bad_dice": args.bad_dice, "runs": []}
    if args.rescore:
        for path in sorted(args.out.glob("flags_*.csv")):
            row = {"set": path.stem[len("flags_") :], **summarise(rescored(pd.read_csv(path)), args.bad_dice)}
            figures["runs"].append(row)
            print(
                f"{row['set']}: {row['flagged']}/{row['muscles']} flagged ({row['flag_rate']}); among "
                f"Dice<{args.bad_dice}: {row['flagged_among_bad']} of {row['bad_muscles']}; among the rest: "
                f"{row['flagged_among_good']}; {row['reasons']}"
            )
        (args.out / "quality_rescored.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
        return 0
    for model in args.model:
        for name, dataset in args.sets:
            tag = f"{model.parent.name}_{name}"
            predictions, evaluation = args.out / "predictions" / tag, args.out / "evaluation" / tag
            shutil.rmtree(evaluation, ignore_errors=True)
            run(
                [
                    command("thigh_predict"),
                    "-i",
                    str(dataset / "imagesTr"),
                    "-o",
                    str(predictions),
                    "-m",
                    str(model),
                    "--overwrite",
                ],
                log,
                check=False,
            )
            run(
                [
                    command("thigh_evaluate"),
                    "-r",
                    str(dataset / "labelsTr"),
                    "-p",
                    str(predictions),
                    "-o",
                    str(evaluation),
                ],
                log,
            )
            table = flagged_table(predictions, evaluation)
            table.to_csv(args.out / f"flags_{tag}.csv", index=False)
            row = {"model": str(model), "set": name, **summarise(table, args.bad_dice)}
            figures["runs"].append(row)
            print(
                f"{tag}: {row['flagged']}/{row['muscles']} leg-muscles flagged ({row['flag_rate']}); "
                f"flagged among Dice<{args.bad_dice}: {row['flagged_among_bad']}, among the rest: "
                f"{row['flagged_among_good']}; reasons {row['reasons']}"
            )
    if args.timing_scan:
        figures["timing"] = time_quality(args.model[0], args.timing_scan, args.repeats)
        print(f"predict_scan on {args.timing_scan.name}: {figures['timing']}")
    (args.out / "quality.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
