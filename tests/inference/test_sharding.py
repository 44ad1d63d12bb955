import pytest

from thigh_common.errors import InvalidInputError
from thigh_inference.inputs import ScanInput
from thigh_inference.sharding import select_part

CASES = [f"case_{index:02d}" for index in (7, 3, 11, 0, 5, 9, 1)]


@pytest.mark.parametrize("num_parts", [1, 2, 3, 4, 5])
def test_every_case_in_exactly_one_part(num_parts):
    parts = [select_part(CASES, num_parts, part) for part in range(num_parts)]
    flat = [case for part in parts for case in part]
    assert sorted(flat) == sorted(CASES)
    assert len(flat) == len(set(flat))
    sizes = [len(part) for part in parts]
    assert max(sizes) - min(sizes) <= 1


def test_round_robin_by_case_id_independent_of_input_order():
    assert select_part(CASES, 3, 0) == ["case_00", "case_05", "case_11"]
    assert select_part(list(reversed(CASES)), 3, 0) == select_part(CASES, 3, 0)


def test_scan_inputs_are_split_by_case_id(tmp_path):
    scans = [ScanInput(name, tmp_path / name, "file") for name in ("b", "a", "c")]
    assert [scan.case_id for scan in select_part(scans, 2, 1)] == ["b"]


def test_more_parts_than_cases_gives_empty_parts():
    assert select_part(["a"], 3, 2) == []


@pytest.mark.parametrize(
    ("num_parts", "part_id", "expected"),
    [
        (0, 0, "--num-parts must be a whole number of at least 1; got 0"),
        (-2, 0, "--num-parts must be a whole number of at least 1; got -2"),
        (3, 3, "--part-id must be a whole number from 0 to 2 (with --num-parts 3); got 3"),
        (3, -1, "--part-id must be a whole number from 0 to 2 (with --num-parts 3); got -1"),
        (2, 1.0, "--part-id must be a whole number from 0 to 1 (with --num-parts 2); got 1.0"),
    ],
)
def test_bad_parts_are_rejected(num_parts, part_id, expected):
    with pytest.raises(InvalidInputError) as caught:
        select_part(CASES, num_parts, part_id)
    assert str(caught.value) == expected
