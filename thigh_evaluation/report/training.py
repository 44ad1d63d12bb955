"""What the report says about the trained fold: each network's progress and curve, the fold's validation."""

from __future__ import annotations

import itertools
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from thigh_common.atomic import atomic_path
from thigh_common.errors import InvalidInputError
from thigh_evaluation.report.inputs import TRAINING_JSON

if TYPE_CHECKING:
    from matplotlib.axes import Axes

logger = logging.getLogger(__name__)

PROGRESS_COLUMNS: tuple[str, ...] = ("epoch", "train_loss", "val_loss", "mean_dice", "seconds")


@dataclass(frozen=True)
class NetworkSummary:
    """A network's training (``progress.csv``): last losses, best validation Dice; NaN where none."""

    network: str
    epochs: int
    train_loss: float
    val_loss: float
    best_dice: float
    best_epoch: int | None
    minutes: float


@dataclass(frozen=True)
class ModelDescription:
    """Which model a fold folder holds (from ``training.json``, else from the folder names)."""

    dataset: str
    configuration: str
    fold: str


def read_progress(paths: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """Each network's ``progress.csv`` with the columns of :data:`PROGRESS_COLUMNS` as floats.

    A missing column becomes NaN (``epoch`` the row number); a file with a header only gives no rows.

    Raises:
        InvalidInputError: If a file cannot be read as a CSV table.
    """
    progress = {}
    for network, path in paths.items():
        try:
            frame = pd.read_csv(path)
        except pd.errors.EmptyDataError:
            frame = pd.DataFrame(columns=list(PROGRESS_COLUMNS))
        except (pd.errors.ParserError, UnicodeDecodeError) as error:
            reason = str(error).strip().splitlines()[0]
            raise InvalidInputError(
                f"{path} cannot be read as a CSV table ({reason}): expected thigh_train's progress.csv"
            ) from None
        for column in PROGRESS_COLUMNS:
            if column not in frame.columns:
                frame[column] = range(1, len(frame) + 1) if column == "epoch" else math.nan
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        if frame.empty:
            logger.warning("%s: no epoch recorded yet", path)
        progress[network] = frame
    return progress


def _last(values: pd.Series) -> float:
    defined = values.dropna()
    return float(defined.iloc[-1]) if len(defined) else math.nan


def network_summary(network: str, frame: pd.DataFrame) -> NetworkSummary:
    """Epochs, last losses, best validation Dice and time of one network's progress table."""
    dice = frame["mean_dice"].dropna()
    best = dice.idxmax() if len(dice) else None
    seconds = frame["seconds"].dropna()
    best_epoch = (
        None if best is None or math.isnan(frame.loc[best, "epoch"]) else int(frame.loc[best, "epoch"])
    )
    return NetworkSummary(
        network,
        len(frame),
        _last(frame["train_loss"]),
        _last(frame["val_loss"]),
        float(dice.max()) if len(dice) else math.nan,
        best_epoch,
        float(seconds.sum()) / 60 if len(seconds) else math.nan,
    )


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        logger.warning("%s cannot be read (%s); left out of the report", path, error)
        return None
    return data if isinstance(data, dict) else None


def describe_model(model_fold: Path, networks: Mapping[str, Path]) -> ModelDescription:
    """Dataset, configuration, fold: the first network's ``training.json`` options, else the folder names."""
    resolved = model_fold.resolve()
    fallback = ModelDescription(resolved.parent.parent.name, resolved.parent.name, resolved.name)
    for network in networks:
        path = model_fold / network / TRAINING_JSON
        data = _read_json(path) if path.is_file() else None
        options = data.get("options") if data else None
        if isinstance(options, dict):
            fold = str(options.get("fold", ""))
            if fold in ("", "None"):
                fold = fallback.fold
            elif not fold.startswith("fold_"):
                fold = f"fold_{fold}"
            dataset = str(options.get("dataset") or fallback.dataset)
            return ModelDescription(
                dataset, str(options.get("configuration") or fallback.configuration), fold
            )
    return fallback


@dataclass(frozen=True)
class FoldValidation:
    """The fold's validation by ``thigh_train`` (``validation/summary.json``)."""

    legs: int | None
    mean_dice: float


def read_validation(path: Path | None) -> FoldValidation | None:
    """``num_legs`` and ``mean_dice`` of ``validation/summary.json``; None if absent or without them."""
    data = _read_json(path) if path else None
    if data is None:
        return None
    mean_dice = data.get("mean_dice")
    if isinstance(mean_dice, bool) or not isinstance(mean_dice, int | float):
        logger.warning("%s has no number under 'mean_dice'; the fold's validation is left out", path)
        return None
    legs = data.get("num_legs")
    return FoldValidation(
        legs if isinstance(legs, int) and not isinstance(legs, bool) else None, float(mean_dice)
    )


NETWORK_COLOURS: dict[str, str] = {
    "axial": "#4C72B0",
    "coronal": "#C44E52",
    "sagittal": "#55A868",
    "volume": "#8172B3",
}
OTHER_COLOURS: tuple[str, ...] = ("#CCB974", "#64B5CD", "#DD8452", "#937860")  # in turn, for other networks


def plot_training_curve(progress: Mapping[str, pd.DataFrame], path: Path, title: str | None = None) -> Path:
    """Draw the losses (top) and validation mean Dice (bottom) per epoch of each network and save a PNG.

    The training loss is a solid line, the validation loss a dashed one; every epoch has a marker.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8.0, 6.4))
    FigureCanvasAgg(figure)
    loss_axes, dice_axes = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    others = itertools.cycle(OTHER_COLOURS)
    colours = {name: NETWORK_COLOURS.get(name) or next(others) for name in progress}
    drawn = {"train": False, "val": False, "dice": False}
    for network, frame in progress.items():
        colour = colours[network]
        for column, axes, style, key in (
            ("train_loss", loss_axes, "-", "train"),
            ("val_loss", loss_axes, "--", "val"),
            ("mean_dice", dice_axes, "-", "dice"),
        ):
            values = frame[["epoch", column]].dropna()
            if values.empty:
                continue
            axes.plot(
                values["epoch"],
                values[column],
                style,
                color=colour,
                marker="o",
                markersize=3.5,
                linewidth=1.4,
            )
            drawn[key] = True
    _decorate(loss_axes, "loss", drawn["train"] or drawn["val"], "no loss recorded")
    _decorate(dice_axes, "validation mean Dice", drawn["dice"], "no validation Dice recorded")
    dice_axes.set_xlabel("epoch")
    dice_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if drawn["dice"]:
        bottom, top = dice_axes.get_ylim()
        dice_axes.set_ylim(max(bottom, -0.02), min(max(top, 0.1), 1.02))
    handles = [
        Line2D([], [], color=colour, marker="o", markersize=3.5, label=name)
        for name, colour in colours.items()
    ]
    handles += [
        Line2D([], [], color="0.3", linestyle="-", label="training loss"),
        Line2D([], [], color="0.3", linestyle="--", label="validation loss"),
    ]
    loss_axes.legend(handles=handles, fontsize=8, loc="upper right", ncol=2, frameon=False)
    figure.suptitle(title or "Training curve", x=0.08, ha="left", fontsize=11)
    figure.tight_layout()
    path = Path(path)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=100)
    logger.info("wrote %s", path)
    return path


def _decorate(axes: Axes, label: str, drawn: bool, empty_text: str) -> None:
    """Axis label and grid; a centred message when nothing was drawn."""
    axes.set_ylabel(label)
    axes.grid(True, color="0.9")
    if not drawn:
        axes.text(0.5, 0.5, empty_text, ha="center", va="center", color="0.4", transform=axes.transAxes)
