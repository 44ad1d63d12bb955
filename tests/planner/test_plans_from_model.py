"""Planning a new dataset with a trained model's plans (thigh_plan --plans-from MODEL)."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil

import numpy as np
import pytest
from support.prediction_models import tiny_model_results
from support.training_datasets import DATASET, tiny_preprocessed_root

from thigh_common.errors import InvalidInputError
from thigh_common.model_files.locate import locate_model
from thigh_planner.planning_run import PlanningOptions, plan_dataset
from thigh_planner.plans import load_plans, save_plans
from thigh_planner.plans_from_model import model_plans, plans_mismatches
from thigh_planner.preprocessed_leg import load_leg


@pytest.fixture(scope="module")
def model():
    return tiny_model_results() / DATASET / "2d5"


def _summary(**changes):
    summary = {
        "median_spacing_mm": [2.0, 2.0, 2.5],
        "muscle_hu": {"mean": 45.0, "std": 25.0, "p0.5": -30.0, "p99.5": 100.0},
        "label_extent_mm": [-100.0, 100.0],
    }
    summary.update(changes)
    return summary


def test_a_grown_dataset_planned_on_the_model_gets_its_plans_and_identical_legs(model, tmp_path, caplog):
    raw = tmp_path / "raw" / "Grown"
    shutil.copytree(tiny_preprocessed_root().parent / "raw" / DATASET, raw)
    options = PlanningOptions(raw, tmp_path / "preprocessed" / "Grown", n_folds=3, plans_from=str(model))
    with caplog.at_level(logging.INFO):
        output = plan_dataset(options)
    assert load_plans(output / "plans.json") == load_plans(model / "fold_0" / "plans.json")
    assert "using the plans of model" in caplog.text
    record = json.loads((output / "fingerprint.json").read_text())["plans_from"]
    assert record["model"] == str(model) and isinstance(record["mismatches"], list)
    own = tiny_preprocessed_root() / DATASET / "legs"
    names = sorted(p.stem for p in own.glob("*.json"))
    assert names and names == sorted(p.stem for p in (output / "legs").glob("*.json"))
    for name in names:
        _, image, labels = load_leg(output / "legs", name)
        _, own_image, own_labels = load_leg(own, name)
        np.testing.assert_array_equal(image, own_image)
        np.testing.assert_array_equal(labels, own_labels)


def test_data_outside_the_plans_are_listed(model):
    plans = model_plans(locate_model(model))
    assert plans_mismatches(plans, _summary(median_spacing_mm=list(plans.target_spacing_mm))) == []
    low, high = plans.window_hu
    thick = list(plans.target_spacing_mm[:2]) + [plans.target_spacing_mm[2] * 3]
    found = plans_mismatches(
        plans,
        _summary(
            median_spacing_mm=thick,
            muscle_hu={"mean": plans.mean_hu + plans.std_hu, "std": 25.0, "p0.5": low - 50, "p99.5": high},
            label_extent_mm=[-plans.field_of_view_mm[2], 0.0],
        ),
    )
    assert len(found) == 4, found
    assert found[0].startswith("spacing: median z spacing") and "coarser than the plans'" in found[0]
    assert "reach outside the plans' window" in found[1]
    assert "differs from the plans'" in found[2]
    assert found[3].startswith("size: muscle labels reach") and "cut off" in found[3]


def test_folds_with_different_plans_are_refused(model, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(model, copy)
    shutil.copytree(copy / "fold_0", copy / "fold_1")
    plans = load_plans(copy / "fold_1" / "plans.json")
    save_plans(dataclasses.replace(plans, mean_hu=plans.mean_hu + 1), copy / "fold_1" / "plans.json")
    with pytest.raises(InvalidInputError, match="the folds were trained with different plans"):
        model_plans(locate_model(copy))
