from pathlib import Path

import numpy as np
import pytest

from thigh_common.errors import InvalidInputError
from thigh_evaluation.comparison import load_metrics, parse_configurations


def test_parse_configurations_keeps_the_order():
    parsed = parse_configurations(["3d=a/b", "2d5=c", "2.5d-v2=d=e"])
    assert parsed == {"3d": Path("a/b"), "2d5": Path("c"), "2.5d-v2": Path("d=e")}
    assert list(parsed) == ["3d", "2d5", "2.5d-v2"]


@pytest.mark.parametrize("argument", ["evals/2d", "=evals/2d", "2d=", "two d=x", "-x=y"])
def test_parse_configurations_rejects_malformed_arguments(argument):
    with pytest.raises(InvalidInputError, match=f"expected NAME=EVAL_DIR .*got {argument!r}"):
        parse_configurations([argument])


def test_parse_configurations_rejects_duplicate_names():
    with pytest.raises(InvalidInputError, match="configuration name '2d' given twice"):
        parse_configurations(["2d=a", "2d=b"])


def test_load_metrics_accepts_empty_cells_and_nan(evaluations):
    with_nan_text = load_metrics(evaluations["2d"])  # written with "nan"
    with_empty = load_metrics(evaluations["2d5"])  # written with empty cells
    for frame in (with_nan_text, with_empty):
        assert frame["dice"].dtype == float and frame["asd_mm"].dtype == float
        gracilis = frame[
            (frame["structure"] == "gracilis") & (frame["case"] == "case_00") & (frame["leg"] == "left")
        ]
        assert np.isnan(gracilis["dice"].iloc[0])
    assert list(with_empty.columns) == ["case", "leg", "kind", "structure", "dice", "asd_mm"]
    assert set(with_empty["kind"]) == {"class", "group"}


def test_case_names_stay_strings(frames, writer, tmp_path):
    frame = frames["2d5"].copy()
    frame["case"] = frame["case"].str.replace("case_", "0")  # "000", "001", ...
    loaded = load_metrics(writer(tmp_path / "e", frame))
    assert sorted(loaded["case"].unique())[:2] == ["000", "001"]
