"""Dice per muscle of predicted label maps against reference labels (used by ``make demo``).

Usage:
    python scripts/demo_dice.py PREDICTIONS_FOLDER LABELS_FOLDER

Prints one row per case and the mean per muscle. A stand-in until ``thigh_evaluate``
(evaluation issue) lands.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from thigh_common.labels import LABELS, MUSCLE_LABELS
from thigh_common.metrics import dice_per_class


def main() -> int:
    """Print the Dice table; exit status 1 when no case could be evaluated."""
    predictions, references = Path(sys.argv[1]), Path(sys.argv[2])
    rows = {}
    for reference_path in sorted(references.glob("*.nii.gz")):
        prediction_path = predictions / reference_path.name
        if not prediction_path.exists():
            print(f"{reference_path.name}: no prediction", file=sys.stderr)
            continue
        reference = sitk.GetArrayFromImage(sitk.ReadImage(str(reference_path)))
        prediction = sitk.GetArrayFromImage(sitk.ReadImage(str(prediction_path)))
        rows[reference_path.name.removesuffix(".nii.gz")] = dice_per_class(prediction, reference)
    if not rows:
        print("no case to evaluate", file=sys.stderr)
        return 1
    names = [LABELS[label][:10] for label in MUSCLE_LABELS]
    print(f"{'case':<14}" + "".join(f"{name:>11}" for name in names) + f"{'mean':>8}")
    for case, dice in rows.items():
        values = [dice[label] for label in MUSCLE_LABELS]
        print(f"{case:<14}" + "".join(f"{v:11.3f}" for v in values) + f"{np.nanmean(values):8.3f}")
    means = [np.nanmean([dice[label] for dice in rows.values()]) for label in MUSCLE_LABELS]
    print(f"{'mean':<14}" + "".join(f"{v:11.3f}" for v in means) + f"{np.nanmean(means):8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
