"""Robustness benchmark: the pipeline on phantoms with the conditions of clinical CT.

For each ``thigh_synth --condition`` (and the clean phantom for comparison) it renders
``--seeds`` cases from the same seeds (the same subjects: only the condition differs, so
each Dice change is paired with the clean case) and measures, case by case:

1. **detection**: ``detect_thighs`` in process, against the phantom's truth. A leg is found
   when the detector reports it on the right side, its crop centre lies within
   ``--tolerance-mm`` of the true mechanical axis of the femur (the line from the femoral
   head to the knee centre in ``phantom_truth/CASE.json``; the detector centres the crop
   on the femoral shaft, which runs 15-25 mm beside that line in the phantom), and, for a
   condition, its axis agrees with the one found in the clean scan of the same subject
   (crop centre within ``--shift-mm`` of the clean axis line, axes within
   ``--angle-deg``). A refusal is recorded with its message; a thigh reported where the
   truth has none is a false thigh;
2. **segmentation**: ``thigh_predict`` with a model trained on clean phantoms, then
   ``thigh_evaluate`` against the phantom's labels: held-out Dice and ASD per condition;
3. **outcome**: segmented, or refused / failed with the message ``thigh_predict`` gave.

The model comes from ``--model`` (a trained ``2d5`` model folder, e.g. the one
``bench_learning.py`` leaves in ``OUT/results_30min/LearnTrain/2d5``); without it a
model is trained here on clean phantoms for a fixed number of steps (machine-independent).

It prints one row per condition and writes ``OUT/robustness.json`` and
``OUT/robustness.md`` (the table of ``documentation/robustness.md``).

Usage:
    .venv/bin/python benchmarks/bench_robustness.py --model bench_learning/results_30min/LearnTrain/2d5
    .venv/bin/python benchmarks/bench_robustness.py --seeds 3 --epochs 8 --iterations 25
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import SimpleITK as sitk
from bench_commands import command, run

from thigh_common.errors import ThighSegError
from thigh_planner.detection.thigh_detector import detect_thighs

logger = logging.getLogger("bench_robustness")

CONDITIONS: dict[str, list[str]] = {
    "clean": [],
    "arms": ["arms"],
    "metal": ["metal"],
    "whole-body": ["whole-body"],
    "circle": ["circle"],
    "truncation-distal": ["truncation=distal"],
    "truncation-proximal": ["truncation=proximal"],
    "truncation-x": ["truncation=x"],
    "thick-slices": ["thick-slices"],
    "low-dose": ["low-dose"],
    "knee-bent": ["knee=bent"],
    "whole-body-crossed": ["whole-body,knee=crossed"],
}
"""Benchmark rows: name -> ``thigh_synth --condition`` values (the clean phantom has none)."""

FAILED_LINE = re.compile(r"(?P<case>\S+): failed: (?P<reason>.*)")


@dataclass
class LegCheck:
    """The detector's result for one true leg of a case.

    Attributes:
        side: The true leg.
        found: Reported on this side, close to the true axis and (for a condition) to the clean scan's.
        distance_mm: Crop centre to the true mechanical axis of the femur.
        shift_mm: Crop centre to the axis found in the clean scan of the same subject.
        angle_deg: Angle between this axis and the clean scan's.
        center_mm: The crop centre found (world mm).
        axis: The femur direction found.
    """

    side: str
    found: bool
    distance_mm: float | None = None
    shift_mm: float | None = None
    angle_deg: float | None = None
    center_mm: list[float] | None = None
    axis: list[float] | None = None


@dataclass(frozen=True)
class Tolerances:
    """How close a detection must be (see the module docstring)."""

    axis_mm: float
    shift_mm: float
    angle_deg: float


@dataclass
class CaseResult:
    """Detection and prediction of one case."""

    case: str
    condition: str
    legs: list[LegCheck] = field(default_factory=list)
    false_thighs: list[str] = field(default_factory=list)
    refused: str | None = None
    outcome: str = "not run"
    dice: float | None = None
    asd_mm: float | None = None


def distance_to_axis(point: np.ndarray, head: np.ndarray, knee: np.ndarray) -> float:
    """Distance (mm) from ``point`` to the infinite line through ``head`` and ``knee``."""
    direction = (head - knee) / np.linalg.norm(head - knee)
    offset = point - knee
    return float(np.linalg.norm(offset - np.dot(offset, direction) * direction))


def compare_with_clean(leg: LegCheck, clean: LegCheck | None, tolerances: Tolerances) -> None:
    """Set ``shift_mm``, ``angle_deg`` and ``found`` of ``leg`` against the clean scan's ``clean``."""
    if clean is None or clean.center_mm is None or leg.center_mm is None:
        return
    clean_axis = np.asarray(clean.axis)
    start = np.asarray(clean.center_mm)
    leg.shift_mm = round(distance_to_axis(np.asarray(leg.center_mm), start + clean_axis, start), 1)
    cosine = abs(float(np.dot(clean_axis, np.asarray(leg.axis))))
    leg.angle_deg = round(float(np.degrees(np.arccos(min(cosine, 1.0)))), 1)
    leg.found = leg.found and leg.shift_mm <= tolerances.shift_mm and leg.angle_deg <= tolerances.angle_deg


def check_detection(
    image_path: Path,
    truth_path: Path,
    condition: str,
    tolerances: Tolerances,
    clean: dict[tuple[str, str], LegCheck],
) -> CaseResult:
    """Run the detector on one case and compare its legs with the phantom's truth and the clean scan.

    Args:
        image_path: The case's image.
        truth_path: Its ``phantom_truth`` JSON.
        condition: The benchmark row.
        tolerances: How close a detection must be.
        clean: The legs found in the clean scans, by (case, side); empty for the clean row.
    """
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    result = CaseResult(case=truth["case"], condition=condition)
    true_legs = {side: leg for side, leg in truth["legs"].items() if leg is not None}
    try:
        detection = detect_thighs(sitk.ReadImage(str(image_path)), source=truth["case"])
    except ThighSegError as error:
        result.refused = str(error).splitlines()[0]
        result.legs = [LegCheck(side, found=False) for side in true_legs]
        return result
    for side, leg in true_legs.items():
        found = detection.legs.get(side)
        if found is None:
            result.legs.append(LegCheck(side, found=False))
            continue
        centre = np.asarray(found.center_mm)
        head, knee = np.asarray(leg["femoral_head_centre_mm"]), np.asarray(leg["knee_centre_mm"])
        distance = distance_to_axis(centre, head, knee)
        check = LegCheck(side, found=distance <= tolerances.axis_mm, distance_mm=round(distance, 1),
                         center_mm=[round(float(v), 2) for v in centre],
                         axis=[round(float(v), 5) for v in found.axis_direction])  # fmt: skip
        compare_with_clean(check, clean.get((result.case, side)), tolerances)
        result.legs.append(check)
    result.false_thighs = sorted(set(detection.legs) - set(true_legs))
    return result


def truth_of(raw: Path, image: Path) -> Path:
    """The ``phantom_truth`` JSON of the image ``CASE_0000.nii.gz``."""
    return raw / "phantom_truth" / f"{image.name[: -len('_0000.nii.gz')]}.json"


def read_failures(log: Path) -> dict[str, str]:
    """The ``CASE: failed: reason`` lines of a ``thigh_predict`` log."""
    failures = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        match = FAILED_LINE.search(line)
        if match:
            failures[match["case"]] = match["reason"].strip()
    return failures


def per_case_metrics(evaluation: Path) -> dict[str, tuple[float, float]]:
    """Mean Dice and ASD over the legs and muscles of each case, from ``metrics.csv``."""
    import pandas as pd

    metrics = evaluation / "metrics.csv"
    if not metrics.is_file():
        return {}
    frame = pd.read_csv(metrics)
    classes = frame[frame["kind"] == "class"]
    legs = classes.groupby(["case", "leg"])[["dice", "asd_mm"]].mean()
    cases = legs.groupby("case").mean()
    return {str(case): (float(row.dice), float(row.asd_mm)) for case, row in cases.iterrows()}


def synthesise(args: argparse.Namespace, folder: Path, condition: str, seed: int, log: Path) -> None:
    """Render the cases of one condition (kept when already there)."""
    if (folder / "dataset.json").exists():
        return
    arguments = [command("thigh_synth"), "-o", str(folder), "-n", str(args.seeds), "--size", args.size,
                 "--seed", str(seed), "--overwrite"]  # fmt: skip
    for value in CONDITIONS[condition]:
        arguments += ["--condition", value]
    run(arguments, log)


def train_clean_model(args: argparse.Namespace, work: Path, log: Path) -> Path:
    """Train a ``2d5`` model on clean phantoms for a fixed number of steps; return its folder."""
    raw = work / "raw" / "RobustTrain"
    if not (raw / "dataset.json").exists():
        run([command("thigh_synth"), "-o", str(raw), "-n", str(args.train_cases), "--size", args.size,
             "--seed", str(args.train_seed), "--overwrite"], log)  # fmt: skip
    preprocessed, results = work / "preprocessed", work / "results"
    model = results / "RobustTrain" / "2d5"
    if not (model / "fold_all" / "sagittal" / "checkpoint_final.pt").exists():
        run([command("thigh_plan"), str(raw), "--preprocessed", str(preprocessed), "--workers", "2"], log)
        run([command("thigh_train"), "2d5", "all", "-d", "RobustTrain", "--preprocessed", str(preprocessed),
             "--results", str(results), "--epochs", str(args.epochs), "--iterations", str(args.iterations),
             "--workers", "1"], log)  # fmt: skip
    return model


def evaluate_condition(
    args: argparse.Namespace,
    work: Path,
    model: Path,
    condition: str,
    clean: dict[tuple[str, str], LegCheck],
) -> list[CaseResult]:
    """Render, detect, predict and score the cases of one condition.

    Scans predicted by an earlier run of the benchmark in ``work`` are kept (``thigh_predict``
    skips them), so an interrupted run goes on where it stopped.
    """
    raw = work / "raw" / f"Robust_{condition}"
    log = work / f"log_{condition}.txt"
    synthesise(args, raw, condition, args.seed, log)
    images = sorted((raw / "imagesTr").glob("*_0000.nii.gz"))
    tolerances = Tolerances(args.tolerance_mm, args.shift_mm, args.angle_deg)
    results = [check_detection(image, truth_of(raw, image), condition, tolerances, clean) for image in images]
    predictions, evaluation = work / "predictions" / condition, work / "evaluation" / condition
    status = run([command("thigh_predict"), "-i", str(raw / "imagesTr"), "-o", str(predictions),
                  "-m", str(model)], log, check=False).returncode  # fmt: skip
    failures = read_failures(log)
    shutil.rmtree(evaluation, ignore_errors=True)
    if any((predictions / f"{r.case}.nii.gz").exists() for r in results):
        run([command("thigh_evaluate"), "-r", str(raw / "labelsTr"), "-p", str(predictions),
             "-o", str(evaluation)], log, check=False)  # fmt: skip
    scores = per_case_metrics(evaluation)
    for result in results:
        if (predictions / f"{result.case}.nii.gz").exists():
            result.outcome = "segmented"
        else:
            result.outcome = "refused: " + failures.get(
                result.case, f"no output (thigh_predict exit {status})"
            )
        if result.case in scores:
            result.dice, result.asd_mm = (round(value, 4) for value in scores[result.case])
    return results


def summarise(condition: str, results: list[CaseResult]) -> dict:
    """One row of the table: detection success, outcomes, mean Dice and ASD of the segmented cases."""
    legs = [leg for result in results for leg in result.legs]
    dice = [r.dice for r in results if r.dice is not None]
    asd = [r.asd_mm for r in results if r.asd_mm is not None]
    refusals = sorted({r.outcome for r in results if r.outcome != "segmented"})
    return {
        "condition": condition,
        "cases": len(results),
        "legs_found": sum(leg.found for leg in legs),
        "legs": len(legs),
        "false_thighs": sum(len(r.false_thighs) for r in results),
        "segmented": sum(r.outcome == "segmented" for r in results),
        "dice": round(float(np.mean(dice)), 3) if dice else None,
        "asd_mm": round(float(np.mean(asd)), 2) if asd else None,
        "refusals": refusals,
    }


def markdown_table(rows: list[dict]) -> str:
    """The table of ``documentation/robustness.md``, Dice change against the clean row."""
    clean = next((row["dice"] for row in rows if row["condition"] == "clean"), None)
    lines = [
        "| condition | cases | legs found | false thighs | segmented | Dice | change | ASD (mm) | refusals |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        dice = "-" if row["dice"] is None else f"{row['dice']:.3f}"
        change = "-" if row["dice"] is None or clean is None else f"{row['dice'] - clean:+.3f}"
        asd = "-" if row["asd_mm"] is None else f"{row['asd_mm']:.2f}"
        refusals = "; ".join(row["refusals"]) or "-"
        lines.append(
            f"| {row['condition']} | {row['cases']} | {row['legs_found']}/{row['legs']} | {row['false_thighs']} "
            f"| {row['segmented']}/{row['cases']} | {dice} | {change} | {asd} | {refusals} |"
        )
    return "\n".join(lines) + "\n"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, help="a trained 2d5 model folder (default: train one here)")
    parser.add_argument("--conditions", nargs="*", default=list(CONDITIONS), choices=list(CONDITIONS))
    parser.add_argument("--seeds", type=int, default=3, help="cases per condition (default 3)")
    parser.add_argument(
        "--seed",
        type=int,
        default=3000,
        help="first seed; every condition renders the same subjects (default 3000)",
    )
    parser.add_argument("--size", default="small", help="phantom size (default small)")
    parser.add_argument(
        "--tolerance-mm",
        type=float,
        default=30.0,
        help="largest distance of a crop centre from the true mechanical axis (default 30)",
    )
    parser.add_argument(
        "--shift-mm",
        type=float,
        default=10.0,
        help="largest distance of a crop centre from the clean scan's axis (default 10)",
    )
    parser.add_argument("--angle-deg", type=float, default=5.0,
                        help="largest angle between the axis and the clean scan's (default 5)")  # fmt: skip
    parser.add_argument("--train-cases", type=int, default=8, help="clean training phantoms (no --model)")
    parser.add_argument("--train-seed", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=20, help="training epochs (no --model)")
    parser.add_argument("--iterations", type=int, default=25, help="iterations per epoch (no --model)")
    parser.add_argument("--out", type=Path, default=Path("bench_robustness"), help="work and result folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    work = args.out.resolve()
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    model = args.model.resolve() if args.model else train_clean_model(args, work, work / "log_training.txt")
    rows, cases = [], []
    clean: dict[tuple[str, str], LegCheck] = {}
    for condition in args.conditions:
        logger.info("condition %s", condition)
        results = evaluate_condition(args, work, model, condition, clean)
        if condition == "clean":
            clean = {(result.case, leg.side): leg for result in results for leg in result.legs}
        rows.append(summarise(condition, results))
        cases += [asdict(result) for result in results]
        print(markdown_table(rows[-1:]).splitlines()[-1], flush=True)
        report = {"model": str(model), "tolerances": asdict(Tolerances(args.tolerance_mm, args.shift_mm,
                  args.angle_deg)), "size": args.size, "rows": rows,
                  "cases": cases, "minutes": round((time.perf_counter() - started) / 60, 1)}  # fmt: skip
        (work / "robustness.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
        (work / "robustness.md").write_text(markdown_table(rows), encoding="utf-8")
    print("\n" + markdown_table(rows))
    print(f"wrote {work / 'robustness.json'} and {work / 'robustness.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
