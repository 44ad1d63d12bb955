"""The trainer's final validation predicts through thigh_predict's leg ensemble (one path)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from support.training_datasets import DATASET, tiny_preprocessed_root

from thigh_inference.leg_ensemble import predict_leg
from thigh_inference.trained_model import load_model
from thigh_planner.preprocessed_leg import load_air_mask
from thigh_trainer.data.legs import load_legs
from thigh_trainer.training import TrainingOptions, train_fold


def test_validation_labels_are_the_prediction_labels(tmp_path: Path) -> None:
    options = TrainingOptions(
        configuration="2d", fold=0, preprocessed_root=tiny_preprocessed_root(), results_root=tmp_path,
        epochs=1, iterations=1, workers=0, validation_batches=1, precision="fp32",
    )  # fmt: skip
    fold = train_fold(options)
    summary = json.loads((fold / "validation" / "summary.json").read_text())
    assert "air cleared" in summary["postprocessing"]
    legs_folder = tiny_preprocessed_root() / DATASET / "legs"
    model = load_model(fold, None, torch.device("cpu"))
    for leg in load_legs(legs_folder, sorted(summary["legs"])):
        air = load_air_mask(legs_folder, leg.name)
        assert air is not None and air.shape == leg.image.shape and air.any()
        validated = np.load(fold / "validation" / f"{leg.name}.npz")["labels"]
        predicted = predict_leg(model, np.ascontiguousarray(leg.image), air_mask=air)
        np.testing.assert_array_equal(validated, predicted.labels)
        assert not validated[air].any()  # a barely trained network still labels no air
