"""Quality scores and the qc flag: hand-made volumes with known disagreement, and a real tiny model."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import torch
from support.prediction_models import tiny_model_results
from support.training_datasets import DATASET, tiny_preprocessed_root

from thigh_common.labels import LABELS
from thigh_inference.leg_ensemble import predict_leg
from thigh_inference.quality import (
    QC_CHECK,
    QC_OK,
    LegQuality,
    add_quality,
    flags_of,
    mean_winning_probability,
    pairwise_agreement,
    removed_fraction,
    touches_border,
    training_volume_ranges,
)
from thigh_inference.settings import PredictionSettings
from thigh_inference.trained_model import load_model
from thigh_planner.preprocessed_leg import load_air_mask, load_leg


def test_agreement_is_the_mean_pairwise_dice_of_each_label():
    a = np.zeros((4, 10), np.uint8)
    a[:, :5] = 1
    b = a.copy()
    b[:, 4] = 0  # label 1: 20 vs 16 voxels, 16 shared -> Dice 32 / 36
    c = a.copy()
    scores = pairwise_agreement([a, b, c], [1, 2])
    assert scores[1] == pytest.approx((32 / 36 + 1.0 + 32 / 36) / 3)
    assert np.isnan(scores[2])  # absent everywhere
    assert np.isnan(pairwise_agreement([a], [1])[1])  # one map: nothing to compare


def test_winning_probability_removed_share_and_border():
    probabilities = np.zeros((11, 2, 3, 4), np.float32)
    probabilities[0] = 0.4
    probabilities[3] = 0.6
    labels = np.full((2, 3, 4), 3, np.uint8)
    assert mean_winning_probability(probabilities, labels)[3] == pytest.approx(0.6)
    before = np.zeros((6, 6, 6), np.uint8)
    before[1:3, 1:3, 1:3] = 2  # 8 voxels kept
    before[5, 5, 5] = 2  # a piece of 1 on the crop's face, removed
    after = before.copy()
    after[5, 5, 5] = 0
    assert removed_fraction(before, after)[2] == pytest.approx(1 / 9)
    assert touches_border(before)[2] and not touches_border(after)[2]


def _table():
    rows = [
        {"case": "c", "side": side, "label": label, "muscle": LABELS[label], "volume_ml": 100.0}
        for side in ("right", "left")
        for label in range(1, 11)
    ]
    return pd.DataFrame(rows)


def _clean_leg() -> LegQuality:
    """The scores of a leg whose every muscle passes every check."""
    good = {label: 0.95 for label in range(1, 11)}
    return LegQuality(
        good,
        dict.fromkeys(range(1, 11), np.nan),
        good,
        dict.fromkeys(range(1, 11), 0.0),
        dict.fromkeys(range(1, 11), False),
    )


def test_a_muscle_crossing_a_threshold_is_flagged_with_its_reason():
    good = {label: 0.95 for label in range(1, 11)}
    right = LegQuality(
        agreement_orientations={**good, 7: 0.52},
        agreement_folds=dict.fromkeys(range(1, 11), np.nan),
        mean_probability=good,
        removed_fraction={**dict.fromkeys(range(1, 11), 0.0), 2: 0.3},
        touches_crop_border=dict.fromkeys(range(1, 11), False),
    )
    left = _clean_leg()
    ranges = {name: (50.0, 150.0) for name in LABELS.values()}
    ranges["adductors"] = (400.0, 900.0)  # 100 mL is below half the smallest
    scored = add_quality(_table(), {"right": right, "left": left}, ranges)
    flagged = scored[scored.qc == QC_CHECK].set_index(["side", "muscle"])
    assert set(flagged.index) == {
        ("right", "gracilis"),
        ("right", "rectus_femoris"),
        ("right", "adductors"),
        ("left", "adductors"),
    }
    assert flagged.loc[("right", "gracilis"), "qc_reason"] == "orientations disagree (Dice 0.52)"
    assert flagged.loc[("right", "rectus_femoris"), "qc_reason"] == "in pieces (30 % outside the largest)"
    assert "far outside training (400-900 mL)" in flagged.loc[("left", "adductors"), "qc_reason"]
    assert (scored[scored.qc != QC_CHECK].qc == QC_OK).all()
    assert flags_of(scored)["gracilis"] == "right: orientations disagree (Dice 0.52)"


def test_a_muscle_missing_from_a_predicted_leg_is_flagged_and_a_missing_leg_is_not():
    leg = _clean_leg()
    table = _table()
    table.loc[(table.side == "right") & (table.muscle == "gracilis"), "volume_ml"] = 0.0
    table.loc[table.side == "left", "volume_ml"] = np.nan  # the left leg is outside the scan
    scored = add_quality(table, {"right": leg}).set_index(["side", "muscle"])
    assert scored.loc[("right", "gracilis"), "qc"] == QC_CHECK
    assert scored.loc[("right", "gracilis"), "qc_reason"] == "not segmented in this leg"
    assert (scored.drop(("right", "gracilis")).qc == QC_OK).all()
    assert flags_of(scored.reset_index()) == {"gracilis": "right: not segmented in this leg"}


@pytest.fixture(scope="module")
def model():
    return load_model(tiny_model_results() / DATASET / "2d5", None, torch.device("cpu"))


def test_scores_leave_the_labels_unchanged_and_see_the_orientations(model):
    legs = tiny_preprocessed_root() / DATASET / "legs"
    name = sorted(p.stem for p in legs.glob("*.json"))[0]
    _, image, _ = load_leg(legs, name)
    air = load_air_mask(legs, name)
    plain = predict_leg(model, image, PredictionSettings(), air)
    scored = predict_leg(model, image, PredictionSettings(quality=True), air)
    np.testing.assert_array_equal(plain.labels, scored.labels)
    quality = scored.quality
    present = [label for label in range(1, 11) if (scored.labels == label).any()]
    assert present, "the tiny model labels something"
    for label in present:
        assert 0.0 <= quality.agreement_orientations[label] <= 1.0
        assert 0.0 < quality.mean_probability[label] <= 1.0
        assert 0.0 <= quality.removed_fraction[label] < 1.0
        assert np.isnan(quality.agreement_folds[label])  # one fold


def test_two_identical_folds_agree_fully(model):
    legs = tiny_preprocessed_root() / DATASET / "legs"
    name = sorted(p.stem for p in legs.glob("*.json"))[0]
    _, image, _ = load_leg(legs, name)
    twice = type(model)(
        model.folder,
        model.configuration_name,
        model.plans,
        {"0": model.networks["0"], "1": model.networks["0"]},
        model.backend,
    )
    quality = predict_leg(twice, image, PredictionSettings(quality=True)).quality
    present = [label for label, value in quality.agreement_folds.items() if not np.isnan(value)]
    assert present and all(quality.agreement_folds[label] == 1.0 for label in present)


def test_training_volume_ranges_join_the_folds(tmp_path):
    for fold, volumes in (
        ("0", {"gracilis": [10.0, 20.0]}),
        ("1", {"gracilis": [5.0, 15.0], "sartorius": [1, 2]}),
    ):
        (tmp_path / f"fold_{fold}").mkdir()
        (tmp_path / f"fold_{fold}" / "label_volumes.json").write_text(
            json.dumps({"legs": 2, "volume_ml": volumes})
        )
    assert training_volume_ranges(tmp_path, ["0", "1"]) == {"gracilis": (5.0, 20.0), "sartorius": (1, 2)}
    shutil.rmtree(tmp_path / "fold_1")
    assert training_volume_ranges(tmp_path, ["1"]) is None
