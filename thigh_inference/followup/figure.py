"""A subject's follow-up figure: relative volume change per muscle and group, both legs as bars.

Left: the ten muscles; right: the groups and all muscles together. Right leg and left
leg side by side per structure; a structure left out of the comparison (cut by the
field of view, not segmented) is marked ``n/a`` instead of a bar, and the bar of a
structure that either scan's quality flag marks ``check`` is hatched: its change may be
the model's error rather than the patient's (the reasons are in the muscle tables).

Example:
    >>> write_change_figure(rows, out / "p01_change.png")  # doctest: +SKIP
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from thigh_common.atomic import atomic_path
from thigh_common.labels import display_name
from thigh_inference.muscle_groups import KIND_MUSCLE

SIDE_COLOURS = {"right": "#1f77b4", "left": "#ff7f0e"}
BAR_WIDTH = 0.38
CHECK_HATCH = "///"
FIGURE_SUFFIX = "_change.png"
"""A subject's figure is ``SUBJECT_change.png`` in the output folder of ``thigh_followup``."""


def flagged(rows: pd.DataFrame) -> pd.Series:
    """Per row, whether either scan's quality flag says ``check``."""
    return rows["qc_baseline"].eq("check") | rows["qc_followup"].eq("check")


def _panel(axis, rows: pd.DataFrame, title: str) -> None:
    names = list(dict.fromkeys(rows["structure"]))
    positions = np.arange(len(names))
    for offset, side in ((-BAR_WIDTH / 2, "right"), (BAR_WIDTH / 2, "left")):
        values = rows[rows["side"] == side].set_index("structure").reindex(names)
        change = values["volume_change_percent"].to_numpy(dtype=float)
        bars = axis.bar(
            positions + offset,
            np.nan_to_num(change),
            BAR_WIDTH,
            color=SIDE_COLOURS[side],
        )
        for bar, check in zip(
            bars, flagged(values.fillna({"qc_baseline": "", "qc_followup": ""})), strict=True
        ):
            if check:
                bar.set_hatch(CHECK_HATCH)
                bar.set_edgecolor("black")
        for position, value in zip(positions + offset, change, strict=True):
            if np.isnan(value):
                axis.text(position, 0, "n/a", rotation=90, ha="center", va="bottom", fontsize=7, color="grey")
    axis.axhline(0, color="black", linewidth=0.8)
    axis.set_xticks(positions, [display_name(name) for name in names], rotation=45, ha="right", fontsize=8)
    axis.set_ylabel("volume change (%)", fontsize=9)
    axis.set_title(title, fontsize=10)


def write_change_figure(rows: pd.DataFrame, path: str | os.PathLike[str], title: str = "") -> None:
    """Write a subject's bar chart of relative volume change (rows from ``subject_changes``), atomically."""
    figure = Figure(figsize=(11, 4.2), dpi=100)
    FigureCanvasAgg(figure)
    muscles_axis, groups_axis = figure.subplots(1, 2, gridspec_kw={"width_ratios": [10, 5]}, sharey=True)
    _panel(muscles_axis, rows[rows["kind"] == KIND_MUSCLE], "muscles")
    _panel(groups_axis, rows[rows["kind"] != KIND_MUSCLE], "groups")
    handles = [Patch(color=colour, label=f"{side} leg") for side, colour in SIDE_COLOURS.items()]
    if flagged(rows).any():  # drawn apart: a bar container's own handle would take its first bar's hatch
        handles.append(
            Patch(facecolor="white", edgecolor="black", hatch=CHECK_HATCH, label="quality flag: check")
        )
    muscles_axis.legend(handles=handles, fontsize=8, frameon=False)
    interval = rows["interval_days"].dropna()
    when = f", {int(interval.iloc[0])} days apart" if len(interval) else ""
    figure.suptitle(
        f"{title or rows['subject'].iloc[0]}: baseline {rows['baseline'].iloc[0]} -> follow-up "
        f"{rows['followup'].iloc[0]}{when}",
        fontsize=10,
    )
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png")
