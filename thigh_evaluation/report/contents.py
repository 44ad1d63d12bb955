"""Compose the report as Markdown (``index.md``), the one source that ``index.html`` is rendered from.

Links point into the report folder (relative, ``/``-separated, percent-encoded); paths outside it
are shown as code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote

import pandas as pd

from thigh_common.labels import LABEL_BY_NAME
from thigh_evaluation.comparison.tables import METRICS, display_name
from thigh_evaluation.markdown_table import table
from thigh_evaluation.report.training import FoldValidation, ModelDescription, NetworkSummary
from thigh_evaluation.statistics import per_leg_means

DEMO_NOTE = (
    "The model was trained on synthetic phantom scans for a few minutes; "
    "it is a demonstration and not for clinical use."
)
BOXPLOT_FILE = "boxplot.png"
TRAINING_CURVE_FILE = "training_curve.png"
MISSING = "–"


@dataclass(frozen=True)
class CaseEntry:
    """A predicted case: its overlay and muscle table (copied; or None), its label map (not copied).

    Paths are relative to the report folder.
    """

    case: str
    overlay: str | None
    table: str | None
    label_map: str


@dataclass(frozen=True)
class ReportContent:
    """Everything the report shows.

    ``cases`` are sorted by id; ``statistics`` is ``thigh_compare``'s ``summary_table`` of the evaluation
    (Dice and ASD); ``frame`` its ``metrics.csv``; ``raw_files`` the copied tables (target, what it holds);
    ``sources`` are the predictions, evaluation and model fold folders relative to the report.
    """

    title: str
    note: str
    model: ModelDescription
    cases: tuple[CaseEntry, ...]
    statistics: pd.DataFrame
    frame: pd.DataFrame
    networks: tuple[NetworkSummary, ...]
    validation: FoldValidation | None
    raw_files: tuple[tuple[str, str], ...]
    missing_predictions: tuple[str, ...]
    sources: tuple[str, str, str]


_ESCAPED = str.maketrans({character: "\\" + character for character in "\\`*[]|<"})
_TARGET = re.compile(r"(?<!\\)\]\(([^)\s]*)\)")


def escape(text: str) -> str:
    """``text`` with the characters that Markdown (or its tables) would read as markup backslash-escaped."""
    return text.translate(_ESCAPED)


def link(text: str, target: str) -> str:
    """A link to ``target``, a path relative to the report folder (``/``-separated, not yet quoted)."""
    return f"[{escape(text)}]({quote(target, safe='/')})"


def code(text: str) -> str:
    """``text`` as a code span (such as a path outside the report folder)."""
    return f"`{text.replace('`', '')}`"


def image(target: str, alt: str) -> str:
    """A picture inside the report folder."""
    return f"![{escape(alt)}]({quote(target, safe='/')})"


def bullets(items: list[str]) -> str:
    """A list of Markdown items."""
    return "\n".join(f"- {item}" for item in items)


def targets(markdown: str) -> Iterator[str]:
    """Every link and image target of ``markdown`` (unquoted), in order."""
    return (unquote(target) for target in _TARGET.findall(markdown))


def _fixed(value: float, decimals: int) -> str:
    return MISSING if math.isnan(value) else f"{value:.{decimals}f}"


def _number(value: float, metric: str) -> str:
    return _fixed(value, METRICS[metric].decimals)


def _mean_sd(statistics: dict[str, float], metric: str) -> str:
    mean, sd = _number(statistics["mean"], metric), _number(statistics["sd"], metric)
    return mean if MISSING in (mean, sd) else f"{mean} ± {sd}"


def _names(names: list[str] | tuple[str, ...]) -> str:
    return ", ".join(names) if names else "none"


def epochs_text(networks: Sequence[NetworkSummary]) -> str:
    """The networks' epochs in the order they are named: ``4`` when equal, else ``3/2/1``."""
    epochs = [network.epochs for network in networks]
    return str(epochs[0]) if len(set(epochs)) == 1 else "/".join(map(str, epochs))


def _summary(content: ReportContent) -> str:
    dice, asd = (_statistics(content)[("all", "all_classes", metric)] for metric in ("dice", "asd_mm"))
    evaluated = list(case_statistics(content.frame)["case"])
    legs = len(content.frame.loc[content.frame["kind"] == "class", ["case", "leg"]].drop_duplicates())
    networks = [network.network for network in content.networks]
    minutes = sum(network.minutes for network in content.networks if not math.isnan(network.minutes))
    model = content.model
    text = (
        f"{len(evaluated)} case(s) ({legs} legs) were segmented by the {model.configuration} model "
        f"of dataset {model.dataset} ({model.fold}) and evaluated against their reference labels. Averaged over "
        f"the ten muscles of each leg, the mean Dice is {_mean_sd(dice, 'dice')} and the mean "
        f"average symmetric surface distance (ASD) is {_mean_sd(asd, 'asd_mm')} mm (mean ± SD over "
        f"legs). The network(s) {_names(networks)} trained for {epochs_text(content.networks)} epoch(s), "
        f"{minutes:.1f} minutes in all."
    )
    predicted = [case.case for case in content.cases]
    not_evaluated = [case for case in predicted if case not in evaluated]
    not_predicted = [case for case in evaluated if case not in predicted]
    if not_evaluated:
        text += f" Predicted but not evaluated: {_names(not_evaluated)}."
    if not_predicted:
        text += f" Evaluated but not in the predictions folder: {_names(not_predicted)}."
    if content.missing_predictions:
        text += f" Reference cases without a prediction: {_names(content.missing_predictions)}."
    return escape(text)


def _statistics(content: ReportContent) -> dict[tuple[str, str, str], dict[str, float]]:
    """The statistics (``mean``, ``sd``, ``median``, ``n``, ...) by kind, structure and metric."""
    return {
        (row["kind"], row["structure"], row["metric"]): row for row in content.statistics.to_dict("records")
    }


def _structure_table(content: ReportContent) -> str:
    statistics = _statistics(content)
    rows = []
    for kind, structure in dict.fromkeys(key[:2] for key in statistics):
        dice, asd = statistics[(kind, structure, "dice")], statistics[(kind, structure, "asd_mm")]
        name = "all classes (mean per leg)" if kind == "all" else display_name(kind, structure)
        label = LABEL_BY_NAME.get(structure) if kind == "class" else None
        asd_cell = _mean_sd(asd, "asd_mm")
        if asd["n"] != dice["n"] and not math.isnan(asd["mean"]):
            asd_cell += f" (n={int(asd['n'])})"
        cells = (
            _mean_sd(dice, "dice"),
            _number(dice["median"], "dice"),
            asd_cell,
            _number(asd["median"], "asd_mm"),
        )
        rows.append((escape(name), MISSING if label is None else str(label), str(int(dice["n"])), *cells))
    header = (
        "structure",
        "label",
        "legs",
        "Dice mean ± SD",
        "Dice median",
        "ASD (mm) mean ± SD",
        "ASD median (mm)",
    )
    return table(header, rows, (False, True, True, True, True, True, True))


def case_statistics(frame: pd.DataFrame) -> pd.DataFrame:
    """Per case: ``legs``, mean ``dice``, ``asd_mm`` of its per-leg means, and the leg-muscles missed.

    ``missing_in_prediction`` counts the leg-muscles the prediction missed: absent from it, or
    present without any overlap with the reference (Dice 0).
    """
    legs = per_leg_means(frame, ("dice", "asd_mm"))
    cases = legs.groupby("case", sort=False).agg(
        legs=("leg", "size"), dice=("dice", "mean"), asd_mm=("asd_mm", "mean")
    )
    cases["missing_in_prediction"] = 0
    if "status" in frame.columns:
        missed = frame["status"].eq("missing_in_prediction") | frame["dice"].eq(0.0)
        missing = frame[(frame["kind"] == "class") & missed]
        cases["missing_in_prediction"] = (
            missing.groupby("case").size().reindex(cases.index, fill_value=0).astype(int)
        )
    return cases.reset_index()


def _case_table(content: ReportContent) -> str:
    entries = {case.case: case for case in content.cases}
    rows = []
    has_status = "status" in content.frame.columns
    for record in case_statistics(content.frame).itertuples(index=False):
        entry = entries.get(str(record.case))
        muscles = link("muscles", entry.table) if entry and entry.table else MISSING
        overlay = link("overlay", entry.overlay) if entry and entry.overlay else MISSING
        cells = [
            escape(str(record.case)),
            str(record.legs),
            _number(record.dice, "dice"),
            _number(record.asd_mm, "asd_mm"),
        ]
        if has_status:
            cells.append(str(record.missing_in_prediction))
        rows.append((*cells, muscles, overlay))
    header = ["case", "legs", "mean Dice", "mean ASD (mm)"]
    numeric = [False, True, True, True]
    if has_status:
        header.append("muscles missed (leg × muscle)")
        numeric.append(True)
    return table((*header, "muscle table", "overlay"), rows, (*numeric, False, False))


def _training(content: ReportContent) -> list[str]:
    rows = []
    for network in content.networks:
        best = f"{_number(network.best_dice, 'dice')} (epoch {network.best_epoch})"
        cells = (str(network.epochs), _fixed(network.train_loss, 4), _fixed(network.val_loss, 4))
        best = MISSING if network.best_epoch is None else best
        rows.append((escape(network.network), *cells, best, _fixed(network.minutes, 1)))
    header = (
        "network",
        "epochs",
        "last training loss",
        "last validation loss",
        "best validation Dice",
        "minutes",
    )
    blocks = [
        "## Training",
        table(header, rows, (False, True, True, True, True, True)),
        image(TRAINING_CURVE_FILE, "training and validation loss and validation mean Dice per epoch"),
    ]
    if content.validation is not None:
        legs = "" if content.validation.legs is None else f" ({content.validation.legs} legs)"
        blocks.append(
            escape(
                f"Validation of {content.model.fold} after training{legs}, the networks combined and "
                f"postprocessed: mean Dice {_number(content.validation.mean_dice, 'dice')}."
            )
        )
    else:
        blocks.append("The fold has no validation summary (a model trained on every case, fold all).")
    return blocks


def _cases(content: ReportContent) -> list[str]:
    blocks = ["## Cases"]
    for case in content.cases:
        blocks.append(f"### {escape(case.case)}")
        overlay = case.overlay and image(case.overlay, f"overlay of the predicted labels on {case.case}")
        blocks.append(overlay or "No overlay was found for this case.")
        table_link = case.table and link(case.table.rsplit("/", 1)[-1], case.table)
        muscles = f"muscle table: {table_link}" if table_link else "no muscle table"
        blocks.append(bullets([muscles, "label map (not copied): " + code(case.label_map)]))
    return blocks


def _files(content: ReportContent) -> list[str]:
    predictions, evaluation, model = content.sources
    return [
        "## Files",
        bullets([link(target, target) + escape(f": {text}") for target, text in content.raw_files]),
        "The label maps are not copied; their paths relative to this folder:",
        bullets([code(case.label_map) for case in content.cases]),
        f"Made by thigh_report from the predictions {code(predictions)}, the evaluation {code(evaluation)} "
        f"and the model {code(model)}.",
    ]


def compose(content: ReportContent) -> str:
    """The report as Markdown: the title, then its sections in order, separated by blank lines."""
    blocks = [
        f"# {escape(content.title)}",
        f"> **{escape(content.note)}**",
        _summary(content),
        "## Dice and ASD per muscle",
        "Over the legs where a metric is defined: a muscle absent from both label maps is left out; one "
        "missing from either counts with a Dice of 0 and has no ASD. Groups are scored on the union of "
        "their muscles. The last row averages the ten muscles of each leg first.",
        _structure_table(content),
        "## Per case",
        "Means over the legs of each case of the per-leg mean over the ten muscles.",
        _case_table(content),
        "## Box plot",
        image(BOXPLOT_FILE, "Dice (top) and ASD (bottom) per muscle and over all muscles"),
        *_training(content),
        *_cases(content),
        *_files(content),
    ]
    return "\n\n".join(blocks) + "\n"
