"""End-of-training validation: predict every validation leg of the fold in full and score it.

Each leg is predicted by :func:`thigh_inference.leg_ensemble.predict_leg`, the function
``thigh_predict`` runs on every leg of a scan: every network of the configuration (three
orientations for ``2d5``, axial for ``2d``, the volume network for ``3d``) predicts softmax
probabilities of the whole crop from its ``checkpoint_final.pt``; the orientations vote (winner
takes all over the summed probabilities), air is cleared (with the leg's ``_air.npy`` mask from
planning) and only the largest 3D component of each muscle is kept. So the validation Dice is
the Dice a user gets on the crop grid. Written to ``fold_F/validation/``:

- ``summary.json``: Dice per class per leg (after and before the largest-component step),
  the mean per class and the overall mean;
- ``dice.csv``: one row per leg, one column per muscle, and the mean;
- ``LEG.npz``: the predicted label volume (key ``labels``, uint8 ``(z, y, x)``) on the crop grid.
"""

from __future__ import annotations

import csv
import io
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from thigh_common.atomic import atomic_path, write_json_atomic, write_text_atomic
from thigh_common.labels import LABELS, MUSCLE_LABELS
from thigh_common.metrics import dice_per_class
from thigh_inference.leg_ensemble import predict_leg
from thigh_inference.settings import PredictionSettings
from thigh_inference.trained_model import TrainedModel, load_network
from thigh_networks import checkpoint as ckpt
from thigh_planner.plans import Plans
from thigh_planner.preprocessed_leg import load_air_mask
from thigh_trainer.data.legs import load_legs

logger = logging.getLogger(__name__)
VALIDATION_FOLDER = "validation"
SUMMARY_FILE = "summary.json"
DICE_FILE = "dice.csv"


def validate_fold(
    fold_folder: Path,
    plans: Plans,
    configuration_name: str,
    leg_names: Sequence[str],
    legs_folder: Path,
    device: torch.device,
    amp: bool = False,
) -> dict[str, Any]:
    """Predict and score the fold's validation legs with the final checkpoints; write the results.

    Args:
        fold_folder: ``THIGH_RESULTS/DATASET/CONFIG/fold_F``, holding a folder per network.
        plans: The plans the networks were trained with.
        configuration_name: ``2d``, ``2d5`` or ``3d``.
        leg_names: The validation legs.
        legs_folder: The preprocessed ``legs/`` folder.
        device: Where to predict.
        amp: Mixed precision (fp16 on CUDA, bf16 on CPU).

    Returns:
        The content of ``summary.json``.
    """
    configuration = plans.configuration(configuration_name)
    names = configuration.network_names
    networks = {name: load_network(fold_folder / name / ckpt.FINAL, configuration, device) for name in names}
    model = TrainedModel(fold_folder.parent, configuration_name, plans, {fold_folder.name: networks})
    settings = PredictionSettings(device, amp)  # thigh_predict's defaults: sum vote, postprocessed
    output = fold_folder / VALIDATION_FOLDER
    per_leg: dict[str, dict[str, dict[str, float]]] = {}
    for leg in load_legs(legs_folder, list(leg_names), mmap=True):
        image = np.ascontiguousarray(leg.image, dtype=np.float32)
        air = load_air_mask(legs_folder, leg.name)
        if air is None:
            logger.warning("%s has no air mask (planned by an older thighseg): air is not cleared", leg.name)
        prediction = predict_leg(model, image, settings, air_mask=air, keep_voted=True)
        labels = prediction.labels
        reference = np.asarray(leg.labels)
        per_leg[leg.name] = {
            "dice": _named(dice_per_class(labels, reference)),
            "dice_before_postprocessing": _named(dice_per_class(prediction.voted, reference)),
        }
        with atomic_path(output / f"{leg.name}.npz") as temporary, open(temporary, "wb") as handle:
            np.savez_compressed(handle, labels=labels.astype(np.uint8))
        logger.info("validation %s: mean Dice %.4f", leg.name, _mean(per_leg[leg.name]["dice"].values()))
    summary = summarise(per_leg, configuration_name, fold_folder.name, names)
    write_json_atomic(summary, output / SUMMARY_FILE)
    write_text_atomic(dice_table(per_leg), output / DICE_FILE)
    logger.info("validation of %d legs: mean Dice %.4f (%s)", len(per_leg), summary["mean_dice"], output)
    return summary


def _named(dice: dict[int, float]) -> dict[str, float]:
    return {LABELS[label]: float(value) for label, value in dice.items()}


def _mean(values: Any) -> float:
    present = [v for v in values if not math.isnan(v)]
    return float(np.mean(present)) if present else math.nan


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 6)


def summarise(
    per_leg: dict[str, dict[str, dict[str, float]]], configuration: str, fold: str, networks: Sequence[str]
) -> dict[str, Any]:
    """The ``summary.json`` content: per leg and mean Dice per class (NaN written as null)."""
    muscles = [LABELS[label] for label in MUSCLE_LABELS]
    result: dict[str, Any] = {
        "configuration": configuration,
        "fold": fold,
        "networks": list(networks),
        "checkpoint": ckpt.FINAL,
        "voting": "sum",
        "postprocessing": "air cleared, largest 3D component per muscle (6-connectivity), as thigh_predict",
        "num_legs": len(per_leg),
    }
    for key in ("dice", "dice_before_postprocessing"):
        per_class = {m: _mean([leg[key][m] for leg in per_leg.values()]) for m in muscles}
        result[f"mean_{key}_per_class"] = {m: _json_number(v) for m, v in per_class.items()}
        result[f"mean_{key}"] = _json_number(_mean(per_class.values()))
    result["legs"] = {
        name: {key: {m: _json_number(v) for m, v in values.items()} for key, values in leg.items()}
        for name, leg in per_leg.items()
    }
    return result


def dice_table(per_leg: dict[str, dict[str, dict[str, float]]]) -> str:
    """``dice.csv``: leg, Dice per muscle (after the largest-component step), mean."""
    muscles = [LABELS[label] for label in MUSCLE_LABELS]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["leg", *muscles, "mean"])
    for name, leg in per_leg.items():
        values = [leg["dice"][m] for m in muscles]
        writer.writerow([name, *(_cell(v) for v in values), _cell(_mean(values))])
    return buffer.getvalue()


def _cell(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.6f}"
