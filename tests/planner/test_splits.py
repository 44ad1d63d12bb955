import json
import logging

import pytest

from thigh_planner.splits import SplitsError, load_splits, make_splits, save_splits

CASES = [f"case_{i:03d}" for i in range(24)]


def test_deterministic_per_seed_and_independent_of_order():
    assert make_splits(CASES, seed=0) == make_splits(list(reversed(CASES)), seed=0)
    assert make_splits(CASES, seed=0) != make_splits(CASES, seed=1)


@pytest.mark.parametrize("count", [2, 5, 7, 24, 31])
def test_disjoint_and_covering(count):
    ids = CASES[:count] if count <= 24 else [f"x{i}" for i in range(count)]
    folds = make_splits(ids, n_folds=5, seed=3)
    assert len(folds) == min(5, count)
    validated = [case for fold in folds for case in fold["val"]]
    assert sorted(validated) == sorted(ids)  # every case validated exactly once
    sizes = [len(fold["val"]) for fold in folds]
    assert max(sizes) - min(sizes) <= 1
    for fold in folds:
        assert not set(fold["train"]) & set(fold["val"])
        assert sorted(fold["train"] + fold["val"]) == sorted(ids)
        assert len(fold["train"]) == len(set(fold["train"]))


def test_both_legs_of_a_case_stay_together():
    # The split is by case id (a scan holding both legs): an id appears once per fold.
    for fold in make_splits(CASES, seed=0):
        listed = fold["train"] + fold["val"]
        assert len(listed) == len(set(listed)) == len(CASES)


def test_fewer_cases_than_folds_reduces_folds(caplog):
    with caplog.at_level(logging.WARNING):
        folds = make_splits(["a", "b", "c"], n_folds=5)
    assert len(folds) == 3
    assert "using 3 folds" in caplog.text


@pytest.mark.parametrize(
    ("ids", "n_folds", "expected"),
    [
        (["a"], 5, "at least 2 cases, found 1"),
        ([], 5, "found 0"),
        (["a", "a", "b"], 2, "duplicated: a"),
        (CASES, 1, "n_folds"),
    ],
)
def test_invalid_requests(ids, n_folds, expected):
    with pytest.raises(SplitsError, match=expected):
        make_splits(ids, n_folds=n_folds)


def test_round_trip(tmp_path):
    folds = make_splits(CASES, seed=0)
    save_splits(folds, tmp_path / "splits.json")
    assert load_splits(tmp_path / "splits.json", CASES) == folds
    assert load_splits(tmp_path) == folds


@pytest.mark.parametrize(
    ("splits", "expected"),
    [
        ([{"train": ["a"], "val": ["a", "b"]}, {"train": ["a"], "val": ["b"]}], "in both train and val: a"),
        ([{"train": ["b", "b"], "val": ["a"]}, {"train": ["a"], "val": ["b"]}], "duplicated case ids b"),
        (
            [{"train": ["b"], "val": ["a"]}, {"train": ["a"], "val": ["a"]}],
            "validated in more than one fold: a",
        ),
        ([{"train": ["b"], "val": ["a"]}], "in no validation fold: b"),
        ([{"train": ["b"], "val": ["a"], "test": []}], "keys train and val"),
        ({"train": []}, "non-empty list of folds"),
    ],
)
def test_invalid_splits_flagged(tmp_path, splits, expected):
    path = tmp_path / "splits.json"
    path.write_text(json.dumps(splits))
    with pytest.raises(SplitsError, match=expected):
        load_splits(path)


def test_missing_and_unknown_cases_flagged(tmp_path):
    save_splits(make_splits(["a", "b", "c"], n_folds=3), tmp_path / "splits.json")
    with pytest.raises(SplitsError) as error:
        load_splits(tmp_path / "splits.json", ["a", "b", "d"])
    assert "in no validation fold: d" in str(error.value)
    assert "not in the dataset: c" in str(error.value)


def test_malformed_and_missing_files(tmp_path):
    with pytest.raises(SplitsError, match="no splits file"):
        load_splits(tmp_path / "splits.json")
    (tmp_path / "splits.json").write_text('[\n{"train": [],\n')
    with pytest.raises(SplitsError, match="line 3"):
        load_splits(tmp_path / "splits.json")


def test_save_refuses_invalid(tmp_path):
    with pytest.raises(SplitsError, match="refusing"):
        save_splits([{"train": ["a"], "val": ["a"]}], tmp_path / "splits.json")
    assert not (tmp_path / "splits.json").exists()
