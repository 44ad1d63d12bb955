"""Fake outputs of thigh_predict, thigh_evaluate and thigh_train for the report tests (no training).

``write_inputs(root)`` writes under ``root``:

- ``pred/``: two cases ``case_a``, ``case_b``, each with a tiny uint8 label map, a muscle table and an
  overlay PNG; ``summary.csv``, ``labels.ctbl``, ``labels_itksnap.txt``;
- ``eval/``: ``metrics.csv`` with 2 cases x 2 legs x (10 classes + 4 groups), where sartorius is
  absent from both maps in case_a's right leg (empty cells) and gracilis is missing from the
  prediction of case_b's left leg (Dice 0, ASD written as ``nan``); a matching ``summary.json``
  and a ``summary.csv``;
- ``results/Demo/2d5/fold_0/``: ``axial``, ``coronal``, ``sagittal`` each with ``progress.csv`` and
  ``training.json``; ``validation/summary.json`` and ``validation/dice.csv``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import SimpleITK as sitk

from thigh_common.labels import LABEL_GROUPS, LABELS, MUSCLE_LABELS

CASES = ("case_a", "case_b")
LEGS = ("right", "left")
NETWORKS = ("axial", "coronal", "sagittal")
METRIC_COLUMNS = [
    "case", "leg", "kind", "label", "structure", "status", "dice", "asd_mm", "hd95_mm",
    "volume_ref_ml", "volume_pred_ml", "volume_diff_ml", "volume_diff_pct",
]  # fmt: skip
TABLE_COLUMNS = [
    "case", "side", "label", "muscle", "volume_ml", "mean_hu", "sd_hu", "fat_fraction", "lean_volume_ml", "note",
]  # fmt: skip


@dataclass(frozen=True)
class FakeInputs:
    """The three input folders of a report."""

    predictions: Path
    evaluation: Path
    model_fold: Path


def _label_map(path: Path) -> None:
    array = np.zeros((4, 6, 8), dtype=np.uint8)
    array[1:3, 1:3, 1:3] = 1
    array[1:3, 3:5, 5:7] = 6
    image = sitk.GetImageFromArray(array)
    image.SetSpacing((2.0, 2.0, 3.0))
    sitk.WriteImage(image, str(path))


def _overlay(path: Path, seed: int) -> None:
    from matplotlib import image

    rng = np.random.default_rng(seed)
    image.imsave(path, rng.random((12, 20, 3)))


def _muscle_table(path: Path, case: str) -> None:
    rows = [
        [case, side, label, LABELS[label], 100.0 + label, 40.0, 10.0, 0.1, 90.0, ""]
        for side in LEGS
        for label in MUSCLE_LABELS
    ]
    pd.DataFrame(rows, columns=TABLE_COLUMNS).to_csv(path, index=False)


def _mean(values: list[float]) -> float:
    defined = [value for value in values if not math.isnan(value)]
    return sum(defined) / len(defined) if defined else math.nan


def metrics_frame() -> pd.DataFrame:
    """The fake metrics.csv rows (NaN where undefined)."""
    rng = np.random.default_rng(7)
    rows = []
    for case in CASES:
        for leg in LEGS:
            values = {}
            for label in MUSCLE_LABELS:
                status, dice, asd = "present", float(rng.uniform(0.5, 0.95)), float(rng.uniform(0.5, 4.0))
                if (case, leg, label) == ("case_a", "right", 1):
                    status, dice, asd = "absent_in_both", math.nan, math.nan
                elif (case, leg, label) == ("case_b", "left", 7):
                    status, dice, asd = "missing_in_prediction", 0.0, math.nan
                values[label] = (dice, asd)
                rows.append([case, leg, "class", label, LABELS[label], status, dice, asd, asd * 2, 100.0,
                             100.0 * dice, 100.0 * (dice - 1), 100.0 * (dice - 1)])  # fmt: skip
            for group, members in LABEL_GROUPS.items():
                dice = _mean([values[m][0] for m in members])
                asd = _mean([values[m][1] for m in members])
                status = "absent_in_both" if math.isnan(dice) else "present"
                rows.append(
                    [case, leg, "group", None, group, status, dice, asd, asd * 2, 100.0, 90.0, -10.0, -10.0]
                )
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


def _statistics(values: pd.Series) -> dict[str, float | int | None]:
    values = values.dropna()
    if values.empty:
        return {"mean": None, "sd": None, "median": None, "q25": None, "q75": None, "iqr": None, "n": 0}
    q25, q75 = float(values.quantile(0.25)), float(values.quantile(0.75))
    sd = float(values.std(ddof=1)) if len(values) > 1 else None
    return {"mean": round(float(values.mean()), 6), "sd": None if sd is None else round(sd, 6),
            "median": round(float(values.median()), 6), "q25": q25, "q75": q75, "iqr": q75 - q25,
            "n": len(values)}  # fmt: skip


def summary_json(frame: pd.DataFrame) -> dict:
    """A summary.json with the layout of thigh_evaluate's (only the keys the report reads, and a few more)."""

    def entry(rows: pd.DataFrame) -> dict:
        return {
            "legs": len(rows),
            "metrics": {m: _statistics(rows[m]) for m in ("dice", "asd_mm", "hd95_mm")},
        }

    classes = frame[frame["kind"] == "class"]
    per_leg = classes.groupby(["case", "leg"], sort=False)[["dice", "asd_mm", "hd95_mm"]].mean()
    return {
        "tool": "thigh_evaluate",
        "num_cases": 2,
        "num_legs": 4,
        "cases_missing_prediction": [],
        "per_class": {name: entry(rows) for name, rows in classes.groupby("structure")},
        "groups": {name: entry(rows) for name, rows in frame[frame["kind"] == "group"].groupby("structure")},
        "overall": {"legs": len(per_leg), "metrics": {m: _statistics(per_leg[m]) for m in per_leg.columns}},
    }


def progress_frame(epochs: int, validation: bool = True, seed: int = 0) -> pd.DataFrame:
    """A progress.csv table of ``epochs`` epochs (numbered from 1); without validation the val columns are NaN."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"epoch": range(1, epochs + 1), "train_loss": np.linspace(0.9, 0.5, epochs)})
    frame["val_loss"] = frame["train_loss"] + 0.05 if validation else math.nan
    for label in MUSCLE_LABELS:
        frame[f"dice_{label}"] = rng.uniform(0.2, 0.8, epochs) if validation else math.nan
    frame["mean_dice"] = frame[[f"dice_{label}" for label in MUSCLE_LABELS]].mean(axis=1)
    frame["lr"] = 1e-3
    frame["seconds"] = 12.0
    return frame


def write_inputs(root: Path, epochs: int = 4) -> FakeInputs:
    """Write the three fake input folders under ``root``."""
    predictions, evaluation = root / "pred", root / "eval"
    model_fold = root / "results" / "Demo" / "2d5" / "fold_0"
    for folder in (predictions, evaluation, model_fold / "validation"):
        folder.mkdir(parents=True)
    for index, case in enumerate(CASES):
        _label_map(predictions / f"{case}.nii.gz")
        _muscle_table(predictions / f"{case}_muscles.csv", case)
        _overlay(predictions / f"{case}_overlay.png", index)
    (predictions / "summary.csv").write_text("case,label,muscle,volume_ml_left,volume_ml_right\n")
    (predictions / "labels.ctbl").write_text("0 background 0 0 0 0\n1 sartorius 255 0 0 255\n")
    (predictions / "labels_itksnap.txt").write_text('0 0 0 0 0 0 0 "background"\n')

    frame = metrics_frame()
    text = frame.to_csv(index=False, na_rep="", float_format="%.6f")
    # thigh_evaluate writes empty cells; the report must read 'nan' as well
    text = text.replace("case_b,left,class,7,gracilis,missing_in_prediction,0.000000,,",
                        "case_b,left,class,7,gracilis,missing_in_prediction,0.000000,nan,")  # fmt: skip
    (evaluation / "metrics.csv").write_text(text)
    (evaluation / "summary.json").write_text(json.dumps(summary_json(frame), indent=2))
    (evaluation / "summary.csv").write_text("kind,label,structure,dice_mean\n")

    for seed, network in enumerate(NETWORKS):
        (model_fold / network).mkdir()
        progress_frame(epochs, seed=seed).to_csv(model_fold / network / "progress.csv", index=False)
        options = {"configuration": "2d5", "fold": 0, "dataset": "Demo"}
        (model_fold / network / "training.json").write_text(
            json.dumps({"network": network, "options": options})
        )
    (model_fold / "validation" / "summary.json").write_text(json.dumps({"num_legs": 4, "mean_dice": 0.61}))
    (model_fold / "validation" / "dice.csv").write_text("leg,sartorius,mean\ncase_x_left,0.5,0.5\n")
    return FakeInputs(predictions, evaluation, model_fold)
