"""Training produces a useful model: a seeded, fixed-step run learns the large muscles of a held-out leg.

This is the test that fails when learning breaks (a wrong loss, a label mapping, the
augmentation or the sampling), which every other training test would let pass. It trains
the axial network of ``2d`` on two tiny phantom cases for a fixed number of seeded steps
and scores the third case (the fold's validation legs) through the trainer's final
validation, which is ``thigh_predict``'s leg ensemble. It also checks the predicted labels
for the column-parity artefact of the foreground-only Dice loss (every other x column one
muscle, over air, fat and bone).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import SimpleITK as sitk
from support.commands import run_main
from support.label_patterns import alternation_rate
from support.training_datasets import DATASET, copy_dataset

from dataset_conversion.phantom.case import generate_case
from thigh_inference.cli import main as predict_main
from thigh_inference.followup.run import FollowupOptions, run_followup
from thigh_planner.plans import load_plans, save_plans
from thigh_planner.plans.overrides import apply_overrides
from thigh_planner.preprocessed_leg import load_air_mask
from thigh_trainer.training import TrainingOptions, train_fold

LARGE_MUSCLES = ("vastus_lateralis", "adductors", "biceps_femoris")
DICE_FLOOR = 0.5
"""Chance is near 0 (a muscle is 1-4 % of the crop); the recipe below reaches 0.74-0.83 on these."""
MEAN_DICE_FLOOR = 0.4
"""Over all ten muscles; the recipe reaches 0.64 (sartorius 0.65, gracilis 0.39)."""
FOLLOWUP_ERROR_POINTS = 8.0
"""Largest error (percentage points) of the all-muscles volume change of a leg between a held-out phantom
and the same subject with strong atrophy (about -25 %), from this model's labels; a 30-minute model is
within 0.7 (benchmarks/bench_followup.py)."""
SEED = 1
"""The seed the shared tiny dataset was synthesised with (support/training_datasets.py)."""
LEARNING_RATE = 1e-2
EPOCHS, ITERATIONS = 20, 25
LEARNING_NETWORK = {
    "features_per_stage": [8, 16, 32],
    "strides": [[1, 1], [2, 2], [2, 2]],
    "kernel_sizes": [[3, 3]] * 3,
    "n_conv_per_stage": [2, 2, 2],
    "n_conv_per_stage_decoder": [2, 2],
    "num_skip_connections": 2,
    "deep_supervision": True,
}


def test_a_seeded_fixed_step_training_learns_the_large_muscles(tmp_path: Path) -> None:
    root = copy_dataset(tmp_path / "preprocessed")
    plans_path = root / DATASET / "plans.json"
    no_augmentation = {"scale": [1.0, 1.0], "shift_px": 0.0, "rotation_deg": 0.0, "noise": False, "blur": False,
                       "brightness": False, "contrast": False, "gamma": False}  # fmt: skip
    training = {
        "optimizer": "adam",
        "learning_rate": LEARNING_RATE,
        "lr_schedule": {"kind": "poly", "decay": 0.0},
        "augmentation": no_augmentation,
    }
    overrides = {
        "configurations": {"2d": {"network": LEARNING_NETWORK, "batch_size": 8, "training": training}}
    }
    save_plans(apply_overrides(load_plans(plans_path), overrides), plans_path)
    options = TrainingOptions(
        configuration="2d", fold=0, preprocessed_root=root, results_root=tmp_path / "results",
        epochs=EPOCHS, iterations=ITERATIONS, workers=0, validation_batches=1, seed=0, precision="fp32",
    )  # fmt: skip
    fold = train_fold(options)
    summary = json.loads((fold / "validation" / "summary.json").read_text())
    dice = summary["mean_dice_per_class"]
    assert all(dice[name] >= DICE_FLOOR for name in LARGE_MUSCLES), dice
    assert summary["mean_dice"] >= MEAN_DICE_FLOOR, dice  # the thin muscles are found too
    legs_folder = root / DATASET / "legs"
    for leg in summary["legs"]:
        labels = np.load(fold / "validation" / f"{leg}.npz")["labels"]
        assert not labels[load_air_mask(legs_folder, leg)].any()
        for axis in (1, 2):  # y and x: no one-voxel stripes
            assert alternation_rate(labels, axis) < 0.1, (leg, axis)
    _follow_up_matches_the_true_change(fold, next(iter(summary["legs"])).rsplit("_", 1)[0], tmp_path)


def _follow_up_matches_the_true_change(fold: Path, case: str, tmp_path: Path) -> None:
    """The held-out case and the same subject with strong atrophy: thigh_followup's change of all muscles
    per leg, from the model's labels, is within FOLLOWUP_ERROR_POINTS of the true labels' change."""
    index = int(case.rsplit("_", 1)[1])
    changes = {}
    for name, conditions in (("baseline", []), ("followup", ["atrophy=strong"])):
        phantom = generate_case(SEED, index, "tiny", conditions=conditions)
        scans = tmp_path / "scans" / name
        scans.mkdir(parents=True)
        sitk.WriteImage(phantom.image, str(scans / f"{case}.nii.gz"))
        done = run_main(predict_main, "-i", scans, "-o", tmp_path / name, "-m", fold, "--precision", "fp32")
        assert done.returncode == 0, done.stderr
        labels = sitk.GetArrayFromImage(phantom.label)
        middle = labels.shape[2] // 2  # the phantom's x grows towards the patient's left
        changes[name] = {
            "right": np.count_nonzero(labels[..., :middle]),
            "left": np.count_nonzero(labels[..., middle:]),
        }
    assert (
        run_followup(FollowupOptions(tmp_path / "baseline", tmp_path / "followup", tmp_path / "change")) == 0
    )
    table = pd.read_csv(tmp_path / "change" / "followup.csv")
    for side in ("right", "left"):
        true_change = 100.0 * (changes["followup"][side] / changes["baseline"][side] - 1.0)
        row = table[(table.structure == "all_muscles") & (table.side == side)].iloc[0]
        assert abs(row.volume_change_percent - true_change) < FOLLOWUP_ERROR_POINTS, (
            side,
            row.volume_change_percent,
            true_change,
        )


def test_alternation_rate_sees_a_column_parity_pattern() -> None:
    smooth = np.zeros((4, 20, 20), np.uint8)
    smooth[:, 5:15, 5:15] = 3
    striped = smooth.copy()
    striped[:, :, ::2] = np.where(striped[:, :, ::2] == 0, 5, striped[:, :, ::2])
    assert alternation_rate(smooth, 2) == 0.0
    assert alternation_rate(striped, 2) > 0.4
    assert alternation_rate(np.zeros((3, 3, 3), np.uint8), 2) == 0.0
