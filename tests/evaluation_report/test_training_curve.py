"""The training curve and the training summary cope with NaN validation, one epoch and missing columns."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from evaluation_report.fake_inputs import progress_frame
from matplotlib import image

from thigh_evaluation.report.build import plot_training_curve
from thigh_evaluation.report.inputs import network_summary, read_progress


def _write(tmp_path, frames: dict[str, pd.DataFrame]) -> dict:
    paths = {}
    for network, frame in frames.items():
        path = tmp_path / network / "progress.csv"
        path.parent.mkdir(parents=True)
        frame.to_csv(path, index=False)
        paths[network] = path
    return read_progress(paths)


def _assert_png(path):
    pixels = image.imread(path)
    assert pixels.shape[0] > 300 and pixels.shape[1] > 400
    assert pixels[..., :3].std() > 0.01


@pytest.mark.parametrize(
    "frames",
    [
        pytest.param({"axial": progress_frame(5, validation=False)}, id="nan-validation"),
        pytest.param(
            {"axial": progress_frame(1), "coronal": progress_frame(1, validation=False)}, id="one-epoch"
        ),
        pytest.param({"volume": progress_frame(3)[["epoch", "train_loss"]]}, id="no-validation-columns"),
        pytest.param({"axial": progress_frame(0)}, id="no-epoch-yet"),
        pytest.param({"axial": progress_frame(4)[["train_loss", "val_loss"]]}, id="no-epoch-column"),
    ],
)
def test_the_curve_is_drawn(tmp_path, frames):
    progress = _write(tmp_path, frames)
    path = plot_training_curve(progress, tmp_path / "out" / "training_curve.png")
    _assert_png(path)


def test_a_partly_undefined_validation(tmp_path):
    frame = progress_frame(6)
    frame.loc[[1, 3], ["val_loss", "mean_dice"]] = math.nan
    progress = _write(tmp_path, {"sagittal": frame})
    _assert_png(plot_training_curve(progress, tmp_path / "curve.png"))
    summary = network_summary("sagittal", progress["sagittal"])
    assert summary.epochs == 6
    assert summary.val_loss == pytest.approx(frame["val_loss"].iloc[-1])
    assert summary.best_dice == pytest.approx(frame["mean_dice"].max())
    assert summary.best_epoch == int(frame["mean_dice"].idxmax()) + 1  # epochs count from 1, as the log


def test_epochs_count_from_1_without_an_epoch_column(tmp_path):
    frame = progress_frame(4)
    progress = _write(tmp_path, {"axial": frame.drop(columns="epoch")})
    summary = network_summary("axial", progress["axial"])
    assert summary.best_epoch == int(frame["mean_dice"].idxmax()) + 1


def test_the_summary_of_a_network_without_validation(tmp_path):
    progress = _write(tmp_path, {"axial": progress_frame(1, validation=False)})
    summary = network_summary("axial", progress["axial"])
    assert summary.epochs == 1 and summary.train_loss == pytest.approx(0.9)
    assert math.isnan(summary.val_loss) and math.isnan(summary.best_dice) and summary.best_epoch is None
    assert summary.minutes == pytest.approx(0.2)


def test_a_header_only_progress_file(tmp_path):
    path = tmp_path / "progress.csv"
    path.write_text("epoch,train_loss,val_loss,mean_dice,lr,seconds\n")
    summary = network_summary("axial", read_progress({"axial": path})["axial"])
    assert summary.epochs == 0 and math.isnan(summary.minutes)


def test_the_summary_names_the_epochs_in_the_order_of_the_networks():
    from thigh_evaluation.report.inputs import NetworkSummary
    from thigh_evaluation.report.page import epochs_text

    def network(name, epochs):
        return NetworkSummary(name, epochs, 0.5, 0.5, 0.8, 1, 1.0)

    assert epochs_text([network("axial", 3), network("coronal", 2), network("sagittal", 1)]) == "3/2/1"
    assert epochs_text([network("axial", 4), network("coronal", 4)]) == "4"
