import numpy as np
import pandas as pd
import pytest
from matplotlib import image

from thigh_evaluation.comparison import plot_boxes


def test_a_single_configuration_read_with_plain_pandas_is_drawn(evaluations, tmp_path):
    frame = pd.read_csv(evaluations["2d5"] / "metrics.csv")
    path = plot_boxes({"2d5": frame}, tmp_path / "report" / "boxes.png")
    assert path == tmp_path / "report" / "boxes.png"
    pixels = image.imread(path)
    assert pixels.shape[1] >= 1000 and pixels.shape[0] >= 800
    assert pixels[..., :3].std() > 0.05
    assert [p.name for p in path.parent.iterdir()] == ["boxes.png"]  # no temporary file left


def test_one_metric_with_a_class_missing_everywhere(frames, tmp_path):
    frame = frames["2d"].copy()
    frame.loc[frame["structure"] == "gracilis", "hd95_mm"] = np.nan
    path = plot_boxes({"2d": frame, "2d5": frames["2d5"]}, tmp_path / "hd95.png", metrics=["hd95_mm"])
    pixels = image.imread(path)
    assert pixels.shape[0] < pixels.shape[1]  # one row: wider than high


def test_plot_boxes_rejects_no_configuration_and_unknown_metrics(frames, tmp_path):
    with pytest.raises(ValueError, match="at least one configuration"):
        plot_boxes({}, tmp_path / "x.png")
    with pytest.raises(ValueError, match="unknown metric"):
        plot_boxes({"2d": frames["2d"]}, tmp_path / "x.png", metrics=["volume"])
