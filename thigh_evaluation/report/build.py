"""Build the report folder: copy the files it shows, draw its figures, write ``index.md`` and ``index.html``.

See ``documentation/thigh_report.md`` for the layout. Files are copied atomically; a new run removes
the files of an earlier run that it does not write (:data:`MANAGED_FILES`). ``--followup DIR`` takes in
the output of ``thigh_followup``: its page, table and figures go to ``followup/``, linked from the index.
"""

from __future__ import annotations

import itertools
import logging
import shutil
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from thigh_common.atomic import atomic_path, write_text_atomic
from thigh_common.errors import InvalidInputError
from thigh_evaluation.comparison.figure import PALETTE, plot_boxes, save_figure
from thigh_evaluation.report.inputs import NETWORKS, read_inputs
from thigh_evaluation.report.page import (
    BOXPLOT_FILE,
    DEMO_NOTE,
    TRAINING_CURVE_FILE,
    compose,
    render_html,
    targets,
)
from thigh_inference.followup.figure import FIGURE_SUFFIX, flagged
from thigh_inference.followup.run import COHORT_TABLE, PAGE

logger = logging.getLogger(__name__)

INDEX_HTML = "index.html"
INDEX_MD = "index.md"
FOLLOWUP = "followup"
MANAGED_FILES: dict[str, tuple[str, ...]] = {  # per subfolder, what a report writes there
    "overlays": ("*_overlay.png",),
    "tables": ("*_muscles.csv", "summary.csv"),
    "evaluation": ("metrics.csv", "summary.json", "summary.csv"),
    "training": ("*_progress.csv", "validation_summary.json", "validation_dice.csv"),
    "labels": ("labels.ctbl", "labels_itksnap.txt"),
    FOLLOWUP: (INDEX_MD, INDEX_HTML, COHORT_TABLE, f"*{FIGURE_SUFFIX}"),
}
NETWORK_COLOURS: dict[str, str] = dict(zip(NETWORKS, PALETTE[: len(NETWORKS)], strict=True))
OTHER_COLOURS: tuple[str, ...] = (*PALETTE[len(NETWORKS) :], "#937860")  # in turn, for other networks


Files = dict[str, Path | str]  # what a report writes into its subfolders: target -> source to copy, or text


def _write_files(output: Path, files: Files) -> None:
    """Write ``files`` into ``output`` atomically; delete the report files of an earlier run not among them."""
    for target, content in files.items():
        if isinstance(content, Path):
            with atomic_path(output / target) as temporary:
                shutil.copyfile(content, temporary)
        else:
            write_text_atomic(content, output / target)
    written = {output / target for target in files}
    for folder, patterns in MANAGED_FILES.items():
        for pattern in patterns:
            for path in (output / folder).glob(pattern):
                if path.is_file() and path not in written:
                    logger.info("removing %s of an earlier report", path)
                    path.unlink()


def _followup(source: Path) -> tuple[str, Files]:
    """A ``thigh_followup`` output as a page of its own in ``followup/``: the index's section and its files.

    Raises:
        InvalidInputError: If ``source`` is not a folder with the page and table of ``thigh_followup``.
    """
    if not source.is_dir():
        raise InvalidInputError(
            f"--followup {source}: no such folder; give the output folder of thigh_followup"
        )
    for name in (PAGE, COHORT_TABLE):
        if not (source / name).is_file():
            raise InvalidInputError(
                f"--followup {source}: no {name}; give the output folder of thigh_followup (-o)"
            )
    page = "[back to the report](../index.html)\n\n" + (source / PAGE).read_text(encoding="utf-8")
    files: Files = {
        f"{FOLLOWUP}/{path.name}": path
        for path in (source / COHORT_TABLE, *sorted(source.glob(f"*{FIGURE_SUFFIX}")))
    }
    files |= {f"{FOLLOWUP}/{INDEX_MD}": page, f"{FOLLOWUP}/{INDEX_HTML}": render_html(page, "Follow-up")}
    table = pd.read_csv(source / COHORT_TABLE)
    subjects = table["subject"].nunique() if len(table) else 0
    to_check = table.loc[flagged(table), "subject"].nunique() if len(table) else 0
    section = (
        "\n## Follow-up\n\n"
        f"{subjects} subject(s) compared between two time points by thigh_followup "
        f"({to_check} with muscles to check): volume, mean HU and fat fraction per leg, muscle and "
        f"group, and their change. [The follow-up page]({FOLLOWUP}/index.html) ([Markdown]({FOLLOWUP}/index.md)) "
        f"shows each subject's figure; the table is [{FOLLOWUP}/{COHORT_TABLE}]({FOLLOWUP}/{COHORT_TABLE}).\n"
    )
    return section, files


def build_report(
    predictions: Path,
    evaluation: Path,
    model_fold: Path,
    output: Path,
    title: str | None = None,
    note: str | None = None,
    followup: Path | None = None,
) -> Path:
    """Write the report of a trained fold, its predictions and evaluation into ``output``; return index.html.

    Args:
        predictions: Output folder of ``thigh_predict``.
        evaluation: Output folder of ``thigh_evaluate``.
        model_fold: Fold folder of ``thigh_train`` (``RESULTS/DATASET/CONFIG/fold_N``).
        output: Report folder (created; an earlier report there is replaced).
        title: Page title; by default ``thighseg report: DATASET CONFIG fold_N``.
        note: The highlighted note on the model's use; by default :data:`~.page.DEMO_NOTE`.
        followup: Output folder of ``thigh_followup``, shown as the page ``followup/index.html``.

    Raises:
        InvalidInputError: If an input folder is missing or lacks what the report needs
            (a label map, ``metrics.csv``, a network's ``progress.csv``, ``followup.csv``), or ``output``
            is an input folder.
    """
    output = Path(output)
    inputs = read_inputs(predictions, evaluation, model_fold, output)
    followup_section, files = ("", {}) if followup is None else _followup(Path(followup))
    model = inputs.model
    name = f"{model.dataset} {model.configuration} {model.fold}"
    output.mkdir(parents=True, exist_ok=True)
    for case in inputs.cases:
        for source, target in ((case.overlay, case.overlay_target), (case.table, case.table_target)):
            if source is not None and target is not None:
                files[target] = source
    files |= {target: source for source, target, _ in inputs.raw_files}
    title_of_boxes = f"{name}: per muscle (left) and mean over muscles per leg (right)"
    plot_boxes({model.configuration: inputs.frame}, output / BOXPLOT_FILE, title=title_of_boxes)
    plot_training_curve(inputs.progress, output / TRAINING_CURVE_FILE, title=name)
    title = title or f"thighseg report: {name}"
    page = compose(inputs, output, title, note or DEMO_NOTE) + followup_section
    _write_files(output, files)
    missing = [target for target in targets(page) if not (output / target).is_file()]
    if missing:  # a bug, not a user error
        raise RuntimeError(f"the report links files it did not write: {', '.join(missing)}")
    write_text_atomic(page, output / INDEX_MD)
    index = output / INDEX_HTML
    write_text_atomic(render_html(page, title), index)
    logger.info("wrote the report %s (and %s)", index, INDEX_MD)
    return index


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
    curves = (("train_loss", loss_axes, "-"), ("val_loss", loss_axes, "--"), ("mean_dice", dice_axes, "-"))
    marker = {"marker": "o", "markersize": 3.5}  # on every epoch, and beside each network in the legend
    drawn = set()  # the axes with a line
    for network, frame in progress.items():
        for column, axes, style in curves:
            values = frame[["epoch", column]].dropna()
            if not values.empty:
                axes.plot(
                    values["epoch"], values[column], style, color=colours[network], linewidth=1.4, **marker
                )
                drawn.add(axes)
    for axes, label, nothing in (
        (loss_axes, "loss", "no loss recorded"),
        (dice_axes, "validation mean Dice", "no validation Dice recorded"),
    ):
        axes.set_ylabel(label)
        axes.grid(True, color="0.9")
        if axes not in drawn:
            axes.text(0.5, 0.5, nothing, ha="center", va="center", color="0.4", transform=axes.transAxes)
    dice_axes.set_xlabel("epoch")
    dice_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if dice_axes in drawn:
        bottom, top = dice_axes.get_ylim()
        dice_axes.set_ylim(max(bottom, -0.02), min(max(top, 0.1), 1.02))
    handles = [Line2D([], [], color=colour, label=name, **marker) for name, colour in colours.items()]
    handles += [
        Line2D([], [], color="0.3", linestyle="-", label="training loss"),
        Line2D([], [], color="0.3", linestyle="--", label="validation loss"),
    ]
    loss_axes.legend(handles=handles, fontsize=8, loc="upper right", ncol=2, frameon=False)
    figure.suptitle(title or "Training curve", x=0.08, ha="left", fontsize=11)
    figure.tight_layout()
    return save_figure(figure, path, dpi=100)
