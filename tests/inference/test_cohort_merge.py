"""Merging the parts of a sharded cohort into one summary, and what a merge refuses."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pytest

from thigh_common.errors import InvalidInputError
from thigh_inference.cohort_merge import merge_parts
from thigh_inference.muscle_table import case_table, write_case_table
from thigh_inference.run_record import run_record, write_run_record

MODEL = {
    "folder": "m",
    "configuration": "2d5",
    "folds": ["fold_0"],
    "plans_sha1": "p",
    "weights_sha256": {"a": "1"},
}


def _part(folder, cases, part_id, num_parts=2, model=MODEL, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for case in cases:
        labels = rng.integers(0, 11, size=(6, 8, 8)).astype(np.uint8)
        hu = rng.normal(30, 40, size=labels.shape)
        write_case_table(
            case_table(labels, hu, (1, 1, 1), None, {"right"}, case), folder / f"{case}_muscles.csv"
        )
    write_run_record(folder, run_record(model, num_parts, part_id))
    return folder


def test_parts_in_two_folders_merge_into_one_cohort_summary(tmp_path):
    first = _part(tmp_path / "part0", ["a", "c"], 0)
    second = _part(tmp_path / "part1", ["b"], 1, seed=1)
    merged = merge_parts([first, second], tmp_path / "cohort")
    assert merged.cases == ["a", "b", "c"] and merged.parts == [0, 1] and merged.missing_parts == []
    summary = pd.read_csv(tmp_path / "cohort" / "summary.csv")
    assert (
        sorted(summary["case"].unique()) == ["a", "b", "c"]
        and len(summary[summary["kind"] == "muscle"]) == 30
    )
    record = json.loads((tmp_path / "cohort" / "prediction.json").read_text())
    assert [part["part_id"] for part in record["merged_from"]] == [0, 1]
    assert (tmp_path / "cohort" / "labels.ctbl").is_file()


def test_parts_sharing_one_folder_merge_and_a_missing_part_is_named(tmp_path, caplog):
    shared = tmp_path / "out"
    _part(shared, ["a"], 0, num_parts=3)
    _part(shared, ["b"], 2, num_parts=3, seed=1)
    with caplog.at_level(logging.WARNING):
        merged = merge_parts([shared], shared)
    assert merged.missing_parts == [1] and "parts 1 of 3 were not found" in caplog.text
    assert merge_parts([shared], shared).cases == ["a", "b"]  # the merged record is not read as a part


def test_parts_of_different_models_are_refused(tmp_path):
    first = _part(tmp_path / "part0", ["a"], 0)
    second = _part(tmp_path / "part1", ["b"], 1, model=dict(MODEL, weights_sha256={"a": "2"}))
    with pytest.raises(InvalidInputError, match="cannot be merged: they were made by different models"):
        merge_parts([first, second], tmp_path / "cohort")
    assert not (tmp_path / "cohort").exists()


def test_a_case_with_two_different_results_is_refused(tmp_path):
    first = _part(tmp_path / "part0", ["a"], 0)
    second = _part(tmp_path / "part1", ["a"], 1, seed=5)
    with pytest.raises(InvalidInputError, match="case a was measured in two parts with different results"):
        merge_parts([first, second], tmp_path / "cohort")


def test_a_folder_without_record_or_of_another_split_is_refused(tmp_path):
    bare = tmp_path / "bare"
    bare.mkdir()
    with pytest.raises(InvalidInputError, match="no prediction.json"):
        merge_parts([bare], tmp_path / "cohort")
    first = _part(tmp_path / "part0", ["a"], 0, num_parts=2)
    second = _part(tmp_path / "part1", ["b"], 1, num_parts=3)
    with pytest.raises(InvalidInputError, match="the parts were split differently"):
        merge_parts([first, second], tmp_path / "cohort")
