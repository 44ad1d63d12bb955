"""Follow-up benchmark: does ``thigh_followup`` on predicted labels report the true change of a phantom pair?

Baseline and follow-up phantoms of the same subjects (``thigh_synth --seed S`` and the same
with ``--condition atrophy=strong``, or the sets given) are predicted with the model, and
``thigh_followup`` compares the two runs. The same comparison on the phantoms' true label
maps gives the true change. Per structure it prints the mean and largest error of the
relative volume change (percentage points) and of the fat-fraction change, and writes them
to ``OUT/followup.json``.

Usage:
    .venv/bin/python benchmarks/bench_followup.py --model results/LearnTrain/2d5 --out bench_followup
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import SimpleITK as sitk
from bench_commands import command, run

from thigh_inference.followup.run import FollowupOptions, run_followup
from thigh_inference.muscle_groups import with_group_rows
from thigh_inference.muscle_table import case_table, left_of_plane, write_case_table
from thigh_planner.detection.thigh_detector import detect_thighs


def truth_tables(raw: Path, out: Path) -> None:
    """Muscle tables of the true label maps (sides from the detector's midline, as thigh_predict does)."""
    out.mkdir(parents=True, exist_ok=True)
    for label_path in sorted((raw / "labelsTr").glob("*.nii.gz")):
        case = label_path.name[: -len(".nii.gz")]
        image = sitk.ReadImage(str(raw / "imagesTr" / f"{case}_0000.nii.gz"))
        labels = sitk.GetArrayFromImage(sitk.ReadImage(str(label_path)))
        detection = detect_thighs(image, source=case)
        side = left_of_plane(image, detection.midline) if detection.midline is not None else None
        table = case_table(
            labels, sitk.GetArrayViewFromImage(image), image.GetSpacing(), side, set(detection.legs), case
        )
        write_case_table(with_group_rows(table), out / f"{case}_muscles.csv")


def synthesise(out: Path, cases: int, seed: int, log: Path) -> tuple[Path, Path]:
    baseline, followup = out / "raw" / "Baseline", out / "raw" / "Followup"
    for folder, extra in ((baseline, []), (followup, ["--condition", "atrophy=strong"])):
        if not (folder / "dataset.json").exists():
            run(
                [
                    command("thigh_synth"),
                    "-o",
                    str(folder),
                    "-n",
                    str(cases),
                    "--size",
                    "small",
                    "--seed",
                    str(seed),
                    "--overwrite",
                    *extra,
                ],
                log,
            )
    return baseline, followup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("bench_followup"))
    parser.add_argument("--cases", type=int, default=3)
    parser.add_argument("--seed", type=int, default=3000)
    args = parser.parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    log = out / "log.txt"
    baseline, followup = synthesise(out, args.cases, args.seed, log)
    for name, raw in (("baseline", baseline), ("followup", followup)):
        run(
            [
                command("thigh_predict"),
                "-i",
                str(raw / "imagesTr"),
                "-o",
                str(out / "predicted" / name),
                "-m",
                str(args.model),
            ],
            log,
        )
        truth_tables(raw, out / "truth" / name)
    for kind in ("predicted", "truth"):
        run_followup(
            FollowupOptions(out / kind / "baseline", out / kind / "followup", out / f"change_{kind}")
        )
    keys = ["subject", "side", "kind", "structure"]
    predicted = pd.read_csv(out / "change_predicted" / "followup.csv")
    truth = pd.read_csv(out / "change_truth" / "followup.csv")
    both = predicted.merge(truth, on=keys, suffixes=("", "_true"))
    both["volume_error_points"] = both["volume_change_percent"] - both["volume_change_percent_true"]
    both["fat_error"] = both["fat_fraction_change"] - both["fat_fraction_change_true"]
    errors = (
        both.groupby(["kind", "structure"], sort=False)
        .agg(
            true_change_percent=("volume_change_percent_true", "mean"),
            mean_abs_error_points=("volume_error_points", lambda e: e.abs().mean()),
            max_abs_error_points=("volume_error_points", lambda e: e.abs().max()),
            mean_abs_fat_error=("fat_error", lambda e: e.abs().mean()),
        )
        .round(3)
        .reset_index()
    )
    errors.to_csv(out / "followup_errors.csv", index=False)
    (out / "followup.json").write_text(json.dumps(errors.to_dict("records"), indent=2), encoding="utf-8")
    print(errors.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
