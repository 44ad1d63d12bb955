"""Fake evaluation folders (``metrics.csv`` as thigh_evaluate writes it) with known t-test outcomes.

Five cases x two legs = ten legs. The reference ``2d5`` has smooth values; ``2d`` and ``3d``
differ from it per leg by ``c + a * e_i`` with ``e_i`` alternating +1, -1. Over ten legs the
differences then have mean ``c`` and standard error ``a / 3``, so ``t = 3 c / a`` with 9 degrees
of freedom: t = 6 gives p = 2.0e-4 (``**``), t = 2.7 gives p = 0.024 (``*``), t = 1 gives p = 0.34.

- 2d vs 2d5, Dice: sartorius t = -6 (**), rectus femoris t = -2.7 (*), others t = -1; ASD:
  sartorius t = +6 (**), others t = +1. The sign of the alternation flips between labels, so the
  per-leg mean over classes differs almost by a constant: "all classes" is significant (**).
- gracilis is absent from both maps in leg 0 (all NaN) and missing from 2d's prediction in leg 1
  (Dice 0, ASD NaN), so 9 Dice pairs and 8 ASD pairs.
- 3d lacks the right leg of case_04 (14 observations); its vastus intermedius Dice is higher
  (**), its vastus medialis Dice differs by a constant (zero variance: no test).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thigh_common.labels import LABEL_GROUPS, LABELS, MUSCLE_LABELS

COLUMNS = [
    "case", "leg", "kind", "label", "structure", "status", "dice", "asd_mm", "hd95_mm",
    "volume_ref_ml", "volume_pred_ml", "volume_diff_ml", "volume_diff_pct",
]  # fmt: skip
CASES = [f"case_{index:02d}" for index in range(5)]
LEGS = [(case, leg) for case in CASES for leg in ("left", "right")]
SIGN = np.array([1.0 if index % 2 == 0 else -1.0 for index in range(len(LEGS))])

# (c, a) of the differences other - reference per label; t = 3 c / a over ten legs.
DICE_2D = {1: (-0.04, 0.02), 2: (-0.018, 0.02)}
DICE_2D_DEFAULT = (-0.01, 0.03)
ASD_2D = {1: (0.3, 0.15)}
ASD_2D_DEFAULT = (0.05, 0.15)


def _reference_values() -> tuple[np.ndarray, np.ndarray]:
    """Dice and ASD of 2d5, shape (legs, 11) indexed by label (column 0 unused)."""
    legs = np.arange(len(LEGS))[:, None]
    labels = np.arange(11)[None, :]
    dice = 0.80 + 0.01 * labels + 0.02 * ((3 * legs + labels) % 5) / 4
    asd = 1.0 + 0.05 * labels + 0.1 * ((2 * legs + labels) % 4) / 3
    return dice, asd


def _shifted(
    values: np.ndarray, table: dict[int, tuple[float, float]], default: tuple[float, float]
) -> np.ndarray:
    shifted = values.copy()
    for label in MUSCLE_LABELS:
        c, a = table.get(label, default)
        # alternate the sign pattern between labels, so that it cancels in the mean over classes
        shifted[:, label] = values[:, label] + c + a * SIGN * (-1 if label % 2 == 0 else 1)
    return shifted


def _frame(dice: np.ndarray, asd: np.ndarray, statuses: dict[tuple[int, int], str]) -> pd.DataFrame:
    """Long-format metrics.csv rows; ``statuses[(leg_index, label)]`` overrides "present"."""
    rows = []
    for index, (case, leg) in enumerate(LEGS):
        values = {}
        for label in MUSCLE_LABELS:
            status = statuses.get((index, label), "present")
            d, s = dice[index, label], asd[index, label]
            if status == "absent_in_both":
                d = s = np.nan
            elif status.startswith("missing"):
                d, s = 0.0, np.nan
            values[label] = (d, s)
            rows.append(_row(case, leg, "class", label, LABELS[label], status, d, s))
        for group, members in LABEL_GROUPS.items():
            d = float(np.nanmean([values[m][0] for m in members]))
            s = float(np.nanmean([values[m][1] for m in members]))
            rows.append(_row(case, leg, "group", None, group, "present", d, s))
    return pd.DataFrame(rows, columns=COLUMNS)


def _row(case, leg, kind, label, structure, status, dice, asd) -> dict:
    return {
        "case": case, "leg": leg, "kind": kind, "label": label, "structure": structure, "status": status,
        "dice": dice, "asd_mm": asd, "hd95_mm": asd * 3 if asd == asd else np.nan,
        "volume_ref_ml": 100.0, "volume_pred_ml": 101.0, "volume_diff_ml": 1.0, "volume_diff_pct": 1.0,
    }  # fmt: skip


def fake_frames() -> dict[str, pd.DataFrame]:
    """metrics.csv rows of the configurations 2d, 2d5 and 3d (in that order)."""
    dice, asd = _reference_values()
    absent = {(0, 7): "absent_in_both"}
    dice_3d = _shifted(dice, {4: (0.04, 0.02)}, (0.0, 0.01))
    dice_3d[:, 5] = dice[:, 5] + 0.01
    asd_3d = _shifted(asd, {}, (0.0, 0.02))
    frame_3d = _frame(dice_3d, asd_3d, absent)
    frame_3d = frame_3d[~((frame_3d["case"] == "case_04") & (frame_3d["leg"] == "right"))]
    return {
        "2d": _frame(
            _shifted(dice, DICE_2D, DICE_2D_DEFAULT),
            _shifted(asd, ASD_2D, ASD_2D_DEFAULT),
            absent | {(1, 7): "missing_in_prediction"},
        ),
        "2d5": _frame(dice, asd, absent),
        "3d": frame_3d.reset_index(drop=True),
    }


def write_evaluation(folder: Path, frame: pd.DataFrame, na_rep: str = "") -> Path:
    """Write ``frame`` as ``folder/metrics.csv`` (and an empty summary.json); return ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "metrics.csv", index=False, na_rep=na_rep)
    (folder / "summary.json").write_text("{}\n")
    return folder


@pytest.fixture(scope="session")
def frames() -> dict[str, pd.DataFrame]:
    return fake_frames()


@pytest.fixture(scope="session")
def evaluations(tmp_path_factory, frames) -> dict[str, Path]:
    """Evaluation folders of 2d, 2d5, 3d; NaN written as "nan" for 2d and as empty cells for the others."""
    root = tmp_path_factory.mktemp("evals")
    return {
        name: write_evaluation(root / name, frame, na_rep="nan" if name == "2d" else "")
        for name, frame in frames.items()
    }


@pytest.fixture
def writer() -> Callable[..., Path]:
    return write_evaluation
