"""Choosing held-out cases and making the linked training and test datasets."""

import json

import pytest

from thigh_common.errors import InvalidInputError
from thigh_evaluation.experiment.run import choose_split, dataset_cases, link_subset

CASES = [f"case_{i:02d}" for i in range(24)]


def test_split_is_seeded_disjoint_and_sized():
    train, test = choose_split(CASES, train=19, test=5, seed=0)
    assert len(train) == 19 and len(test) == 5
    assert set(train).isdisjoint(test)
    assert (train, test) == choose_split(list(reversed(CASES)), train=19, test=5, seed=0)
    assert test != choose_split(CASES, train=19, test=5, seed=1)[1]
    assert list(train) == sorted(train) and list(test) == sorted(test)


def test_train_none_takes_every_case_not_held_out():
    train, test = choose_split(CASES, train=None, test=4)
    assert len(train) == 20 and set(train) | set(test) == set(CASES)


@pytest.mark.parametrize(
    ("train", "test", "message"),
    [
        (19, 6, "the dataset has 24 cases, too few for --train 19 and --test 6 (25 needed)"),
        (1, 5, "--train must be at least 2 cases, found 1"),
        (10, 0, "--test must be at least 1 case, found 0"),
        (None, 23, "too few for --train rest and --test 23"),
    ],
)
def test_impossible_splits_are_explained(train, test, message):
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        choose_split(CASES, train=train, test=test)


def _raw_dataset(folder, cases, ending=".nii.gz"):
    (folder / "imagesTr").mkdir(parents=True)
    (folder / "labelsTr").mkdir()
    for case in cases:
        (folder / "imagesTr" / f"{case}_0000{ending}").write_bytes(b"image " + case.encode())
        (folder / "labelsTr" / f"{case}{ending}").write_bytes(b"labels " + case.encode())
    content = {"channel_names": {"0": "CT"}, "labels": {"background": 0}, "numTraining": len(cases),
               "file_ending": ending}  # fmt: skip
    (folder / "dataset.json").write_text(json.dumps(content))
    return folder


def test_dataset_cases_need_image_and_label(tmp_path):
    raw = _raw_dataset(tmp_path / "Raw", ["a", "b", "c"])
    (raw / "imagesTr" / "c_0000.nii.gz").unlink()
    assert dataset_cases(raw) == ["a", "b"]


def test_dataset_without_dataset_json_or_cases(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInputError, match="has no dataset.json"):
        dataset_cases(tmp_path / "empty")
    raw = _raw_dataset(tmp_path / "Raw", [])
    with pytest.raises(
        InvalidInputError, match="has no case with both imagesTr/CASE_0000.nii.gz and labelsTr"
    ):
        dataset_cases(raw)


def test_linked_subset_is_a_dataset_of_those_cases(tmp_path):
    raw = _raw_dataset(tmp_path / "Raw", ["a", "b", "c"])
    target = link_subset(raw, ["a", "c"], tmp_path / "out" / "Raw_train")
    assert sorted(p.name for p in (target / "imagesTr").iterdir()) == ["a_0000.nii.gz", "c_0000.nii.gz"]
    assert (target / "labelsTr" / "c.nii.gz").read_bytes() == b"labels c"
    content = json.loads((target / "dataset.json").read_text())
    assert content["numTraining"] == 2 and content["file_ending"] == ".nii.gz"
    again = link_subset(raw, ["b"], target)  # replaced, not merged
    assert [p.name for p in (again / "labelsTr").iterdir()] == ["b.nii.gz"]
