"""The training curve of a fold: loss per epoch (top) and validation mean Dice (bottom), per network.

One colour per network; the training loss is a solid line, the validation loss a dashed one.
Undefined values (NaN, e.g. training without validation) leave gaps; every epoch has a marker,
so a single epoch is a visible point. Drawn with matplotlib's Agg canvas (no display, no pyplot).

Example:
    >>> progress = read_progress({"axial": Path("fold_0/axial/progress.csv")})  # doctest: +SKIP
    >>> plot_training_curve(progress, Path("report/training_curve.png"))  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from thigh_common.atomic import atomic_path

if TYPE_CHECKING:
    from matplotlib.axes import Axes

logger = logging.getLogger(__name__)

NETWORK_COLOURS: dict[str, str] = {
    "axial": "#4C72B0",
    "coronal": "#C44E52",
    "sagittal": "#55A868",
    "volume": "#8172B3",
}
OTHER_COLOURS: tuple[str, ...] = ("#CCB974", "#64B5CD", "#DD8452", "#937860")


def network_colours(networks: list[str]) -> dict[str, str]:
    """A colour per network: fixed ones for the known networks, then a short cycle."""
    others = iter(OTHER_COLOURS * (len(networks) // len(OTHER_COLOURS) + 1))
    return {name: NETWORK_COLOURS.get(name) or next(others) for name in networks}


def plot_training_curve(progress: Mapping[str, pd.DataFrame], path: Path, title: str | None = None) -> Path:
    """Draw the losses and the validation mean Dice of each network per epoch, and save a PNG.

    Args:
        progress: ``progress.csv`` rows by network (as :func:`~thigh_evaluation.report.training.read_progress`
            returns them: columns ``epoch``, ``train_loss``, ``val_loss``, ``mean_dice`` as floats).
        path: PNG to write (atomically; folders are created).
        title: Figure title; by default "Training curve".

    Returns:
        ``path``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8.0, 6.4))
    FigureCanvasAgg(figure)
    loss_axes, dice_axes = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    colours = network_colours(list(progress))
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
            axes.plot(values["epoch"], values[column], style, color=colour, marker="o", markersize=3.5,
                      linewidth=1.4)  # fmt: skip
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
