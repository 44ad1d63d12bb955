"""``metrics.csv``'s one reader, used by thigh_compare, thigh_report and the experiment."""

import numpy as np
import pytest

from thigh_common.errors import InvalidInputError
from thigh_evaluation.metrics_table import read_metrics_csv


def test_the_one_metrics_reader(tmp_path):
    """Empty cells and ``nan`` are undefined metrics, any other text an error; text columns stay text."""
    path = tmp_path / "metrics.csv"
    path.write_text(
        "case,leg,kind,label,structure,status,dice,asd_mm\n"
        "NA,left,class,1,sartorius,present,0.5,nan\n"
        "001,right,class,1,sartorius,absent_in_both,,NaN\n"
        "001,right,group,,quadriceps,present,0.25,1.5\n"
    )
    frame = read_metrics_csv(path)
    assert frame["case"].tolist() == ["NA", "001", "001"]
    assert frame["dice"].tolist()[::2] == [0.5, 0.25] and np.isnan(frame["dice"].iloc[1])
    assert frame["asd_mm"].isna().tolist() == [True, True, False]
    assert frame["label"].tolist()[:2] == [1, 1] and frame["label"].isna().tolist()[2]
    path.write_text("case,leg,kind,structure,dice,asd_mm\na,left,class,sartorius,good,1.0\n")
    with pytest.raises(InvalidInputError, match=r"column dice has 1 non-numeric value\(s\), e\.g\. 'good'"):
        read_metrics_csv(path)
    path.write_text("case,leg,kind,structure,dice,asd_mm\n,left,class,sartorius,0.5,1.0\n")
    with pytest.raises(
        InvalidInputError, match=r"1 row\(s\) lack a case, leg, kind or structure \(first on line 2\)"
    ):
        read_metrics_csv(path)
