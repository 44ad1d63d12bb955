"""The paper's Figure 5: paired box plots per class and over all classes, with marks and a data table.

See "Outputs" in ``documentation/thigh_compare.md``. Drawn on matplotlib's Agg canvas (no pyplot).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from thigh_common.atomic import atomic_path
from thigh_evaluation.comparison import DEFAULT_METRICS, METRICS, MetricSpec
from thigh_evaluation.comparison.tables import compared_structures, observation_frame, short_name, values_of
from thigh_evaluation.statistics import describe

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

PALETTE: tuple[str, ...] = ("#4C72B0", "#C44E52", "#55A868", "#8172B3", "#CCB974", "#64B5CD", "#DD8452")
BOX_SPAN = 0.8  # the width along x that the boxes of one structure share (structures are 1 apart)
MAX_BOX_WIDTH = 0.5
TABLE_FONT_SIZE = 7.5
Panel = list[tuple[str, str]]  # the (kind, structure) pairs along the x axis of one panel
PanelValues = dict[str, list[np.ndarray]]  # each configuration's defined values per structure of a panel


def plot_boxes(
    frames: Mapping[str, pd.DataFrame],
    path: Path,
    metrics: Sequence[str] = DEFAULT_METRICS,
    tests: pd.DataFrame | None = None,
    title: str | None = None,
) -> Path:
    """Draw box plots of each metric (a row each) per class and over all classes; save them as ``path``.

    ``frames`` are ``metrics.csv`` rows by configuration, in box order (one is fine); the marks of ``tests``
    (``ttest_table``) are drawn when given.

    Raises:
        ValueError: If ``frames`` is empty or a metric is unknown.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    if not frames:
        raise ValueError("plot_boxes needs at least one configuration")
    unknown = [metric for metric in metrics if metric not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(METRICS)}")
    observations = {name: observation_frame(frame, metrics) for name, frame in frames.items()}
    structures = compared_structures(observations)
    classes = [structure for structure in structures if structure[0] == "class"]
    overall = [structure for structure in structures if structure[0] == "all"]
    colours = dict(zip(frames, itertools.cycle(PALETTE), strict=False))  # repeats after seven

    table_height = 0.22 * (len(frames) + 1)  # inches; a row of panels is 3.2 high
    height = (3.2 + table_height + 0.5) * len(metrics) + 1.0
    figure = Figure(figsize=(max(9.0, 1.15 * len(classes) + 3.6), height))
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(len(metrics), 2, width_ratios=[max(len(classes), 1), 1.35], wspace=0.16)
    grid.update(hspace=(table_height + 0.6) / 3.2, left=0.09, right=0.985, top=1 - 0.85 / height)
    grid.update(bottom=(table_height + 0.25) / height)
    for row, metric in enumerate(metrics):
        for column, panel in enumerate((classes, overall)):
            axes = figure.add_subplot(grid[row, column])
            _draw_panel(axes, panel, observations, metric, colours, tests, row_labels=column == 0)
            if column == 0:
                axes.set_ylabel(METRICS[metric].axis_label)

    handles = [Patch(facecolor=colour, edgecolor="black", label=name) for name, colour in colours.items()]
    figure.legend(handles=handles, loc="upper right", ncol=len(handles), frameon=False, fontsize=9)
    if title is None:
        title = f"{', '.join(frames)}: per class (left) and mean over all classes per leg (right)"
        if tests is not None and not tests.empty:
            title = (
                f"{', '.join(frames)}: per class (left), mean over all classes per leg (right); "
                f"paired t-test against {tests['reference'].iloc[0]}: * p < 0.05, ** p < 0.01"
            )
    figure.suptitle(title, x=0.09, ha="left", fontsize=11)
    return save_figure(figure, path, dpi=110)


def save_figure(figure: Figure, path: Path, dpi: int) -> Path:
    """Write ``figure`` as a PNG to ``path`` atomically; return the path."""
    path = Path(path)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=dpi)
    logger.info("wrote %s", path)
    return path


def _draw_panel(
    axes: Axes,
    panel: Panel,
    observations: Mapping[str, pd.DataFrame],
    metric: str,
    colours: Mapping[str, str],
    tests: pd.DataFrame | None,
    row_labels: bool,
) -> None:
    """Boxes, marks and the table beneath of one panel (a list of structures)."""
    width = min(BOX_SPAN / len(observations), MAX_BOX_WIDTH)
    offsets = {name: (index - (len(observations) - 1) / 2) * width for index, name in enumerate(observations)}
    data = {
        name: [values_of(frame, structure, metric) for structure in panel]
        for name, frame in observations.items()
    }
    mean = {"marker": "D", "markersize": 3, "markerfacecolor": "white", "markeredgecolor": "black"}
    for name, values in data.items():
        flier = {"marker": "o", "markersize": 3, "markerfacecolor": colours[name], "markeredgewidth": 0.4}
        axes.boxplot(
            values,
            positions=np.arange(len(panel)) + offsets[name],
            widths=width * 0.85,
            patch_artist=True,
            manage_ticks=False,
            showmeans=True,
            boxprops={"facecolor": colours[name], "alpha": 0.85},
            medianprops={"color": "black", "linewidth": 1.2},
            meanprops=mean,
            flierprops=flier,
        )
    axes.set_xlim(-0.5, len(panel) - 0.5)
    for boundary in range(1, len(panel)):
        axes.axvline(boundary - 0.5, color="0.88", linewidth=0.8, zorder=0)
    axes.yaxis.grid(True, color="0.92")
    axes.set_axisbelow(True)
    axes.set_xticks([])
    if tests is not None and not tests.empty and tests["reference"].iloc[0] in offsets:
        _draw_marks(axes, panel, data, tests[tests["metric"] == metric], offsets)
    _draw_table(axes, panel, data, METRICS[metric], colours, row_labels)


def _draw_marks(
    axes: Axes, panel: Panel, data: PanelValues, tests: pd.DataFrame, offsets: Mapping[str, float]
) -> None:
    """Brackets from the reference's box to each significantly different box (``tests`` of one metric)."""
    reference = tests["reference"].iloc[0]
    marked = tests[tests["mark"].fillna("") != ""]
    marks = {((test.kind, test.structure), test.other): test.mark for test in marked.itertuples()}
    bottom, top = axes.get_ylim()
    step, highest = 0.07 * (top - bottom), top
    for position, structure in enumerate(panel):
        defined = [values[position] for values in data.values() if values[position].size]
        level = max((float(values.max()) for values in defined), default=bottom) + step * 0.6
        for other in (name for name in offsets if (structure, name) in marks):
            left, right = sorted((position + offsets[reference], position + offsets[other]))
            bracket = [level - step * 0.3, level, level, level - step * 0.3]
            axes.plot([left, left, right, right], bracket, color="black", linewidth=0.8)
            axes.text((left + right) / 2, level, marks[structure, other], ha="center", va="bottom", size=10)
            highest = max(highest, level + step)
            level += step
    axes.set_ylim(bottom, highest)


def _draw_table(
    axes: Axes,
    panel: Panel,
    data: PanelValues,
    spec: MetricSpec,
    colours: Mapping[str, str],
    row_labels: bool,
) -> None:
    """Mean ± SD per configuration and structure, beneath the panel."""
    cells = [
        [f"{spec.format(s['mean'])}±{spec.format(s['sd'])}" for s in map(describe, values)]
        for values in data.values()
    ]
    table = axes.table(
        cellText=cells,
        colLabels=[short_name(structure) for _, structure in panel],
        rowLabels=list(data) if row_labels else None,
        rowColours=list(colours.values()) if row_labels else None,
        cellLoc="center",
        loc="bottom",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(TABLE_FONT_SIZE)
    for (row, column), cell in table.get_celld().items():
        cell.set_linewidth(0.4)
        if column == -1:
            cell.set_text_props(color="white", fontweight="bold")
        elif row == 0:
            cell.set_text_props(fontweight="bold")
