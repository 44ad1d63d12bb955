"""Prediction, voting, postprocessing and Dice on a real preprocessed phantom leg and its plans."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from support.phantom_datasets import synthesise
from torch import nn

from thigh_common.metrics import dice_per_class
from thigh_inference.postprocessing import keep_largest_component
from thigh_inference.slice_prediction import predict_leg_2d
from thigh_inference.voting import combine_orientations
from thigh_planner.plans import load_plans
from thigh_planner.preprocessed_leg import load_leg


@pytest.fixture(scope="module")
def planned(tmp_path_factory) -> Path:
    """A planned and preprocessed tiny phantom dataset (3 cases); returns its preprocessed folder."""
    root = tmp_path_factory.mktemp("inference_leg")
    raw = synthesise(root / "raw" / "Tiny", "-n", "3", "--size", "tiny", "--seed", "1")
    command = [sys.executable, "-m", "thigh_planner.cli", str(raw), "--preprocessed", str(root / "pre")]
    subprocess.run([*command, "--folds", "3", "--workers", "1"], check=True, capture_output=True)
    return root / "pre" / "Tiny"


def test_slice_prediction_with_the_planned_patches_and_offsets(planned):
    plans = load_plans(planned / "plans.json")
    configuration = plans.configuration("2d5")
    name = json.loads((planned / "preprocessing.json").read_text())["legs"][0]
    _, image, labels = load_leg(planned / "legs", name)
    torch.manual_seed(0)
    network = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 11, 1))
    volumes = []
    for orientation in configuration.orientations:
        offset = plans.neighbour_offset_slices[orientation]
        patch = configuration.patch_size[orientation]
        volume = predict_leg_2d(
            network, image, orientation, offset, patch, batch_size=32, out_dtype=np.float16
        )
        assert volume.shape == (11, *image.shape)
        np.testing.assert_allclose(volume.sum(axis=0, dtype=np.float32), 1.0, atol=1e-2)
        volumes.append(volume)
    voted = keep_largest_component(combine_orientations(volumes))
    assert voted.shape == image.shape == labels.shape
    assert set(dice_per_class(voted, labels)) == set(range(1, 11))


def test_voting_and_largest_component_recover_the_reference_from_disagreeing_orientations(planned):
    name = json.loads((planned / "preprocessing.json").read_text())["legs"][0]
    _, _, labels = load_leg(planned / "legs", name)
    rng = np.random.default_rng(0)
    one_hot = (np.arange(11)[:, None, None, None] == labels[None]).astype(np.float32)
    owner = rng.integers(0, 3, size=labels.shape)  # each voxel is wrong in one orientation
    volumes = []
    for orientation in range(3):
        volume = one_hot.copy()
        wrong = owner == orientation
        volume[:, wrong] *= 0.4
        volume[3, wrong] += 0.6  # a confident vote for class 3
        volume[:, :3, :3, :3] = 0.0  # a stray island of class 7 that all orientations agree on
        volume[7, :3, :3, :3] = 1.0
        volumes.append(volume)
    assert dice_per_class(np.argmax(volumes[0], axis=0), labels)[3] < 0.5
    voted = combine_orientations(volumes, mode="sum")
    assert np.all(voted[:3, :3, :3] == 7)
    cleaned = keep_largest_component(voted)
    assert np.all(cleaned[:3, :3, :3] == 0)
    expected = labels.copy()
    expected[:3, :3, :3] = 0
    np.testing.assert_array_equal(voted[3:], labels[3:])  # every other voxel voted right
    np.testing.assert_array_equal(cleaned, keep_largest_component(expected))
    scores = dice_per_class(cleaned, labels)
    assert all(scores[label] > 0.9 for label in range(1, 11))


@pytest.mark.parametrize("voting", ["sum", "majority"])
def test_leg_ensemble_equals_fold_means_voted_over_orientations(planned, voting):
    from thigh_inference.leg_ensemble import predict_leg
    from thigh_inference.settings import PredictionSettings
    from thigh_inference.trained_model import TrainedModel
    from thigh_inference.voting import average_folds

    plans = load_plans(planned / "plans.json")
    configuration = plans.configuration("2d5")
    name = json.loads((planned / "preprocessing.json").read_text())["legs"][0]
    _, image, _ = load_leg(planned / "legs", name)
    image = np.ascontiguousarray(image, dtype=np.float32)
    folds = {}
    for fold in ("0", "1"):
        torch.manual_seed(int(fold))
        folds[fold] = {
            orientation: nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 11, 1)).eval()
            for orientation in configuration.orientations
        }
    model = TrainedModel(planned, "2d5", plans, folds)
    settings = PredictionSettings(voting=voting, postprocess=False, keep_probabilities=True)
    leg = predict_leg(model, image, settings)
    per_orientation = [
        average_folds(
            predict_leg_2d(
                folds[fold][o], image, o, plans.neighbour_offset_slices[o], configuration.patch_size[o]
            )
            for fold in folds
        )
        for o in configuration.orientations
    ]
    expected = combine_orientations(per_orientation, mode=voting)
    assert np.mean(leg.labels == expected) > 0.9999  # float rounding may flip an exact tie
    np.testing.assert_allclose(leg.probabilities, np.mean(per_orientation, axis=0), atol=2e-3)
