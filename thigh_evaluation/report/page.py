"""The report page: composed as Markdown (``index.md``), the one source ``index.html`` is rendered from.

Links point into the report folder (relative, ``/``-separated, percent-encoded); paths outside it
are shown as code. ``index.html`` is rendered by Python-Markdown, with an inline style and no scripts.
"""

from __future__ import annotations

import html
import math
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import quote, unquote

import markdown
import pandas as pd

from thigh_common.labels import LABEL_BY_NAME
from thigh_evaluation.comparison.tables import METRICS, display_name, observation_frame, summary_table
from thigh_evaluation.markdown_table import table
from thigh_evaluation.report.inputs import REPORTED_METRICS, NetworkSummary, ReportInputs, network_summary
from thigh_evaluation.statistics import per_leg_means

DEMO_NOTE = (
    "The model was trained on synthetic phantom scans for a few minutes; "
    "it is a demonstration and not for clinical use."
)
BOXPLOT_FILE = "boxplot.png"
TRAINING_CURVE_FILE = "training_curve.png"
MISSING = "–"
Statistics = dict[tuple[str, str, str], dict[str, float]]  # summary_table's rows by kind, structure, metric
STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #4C72B0; padding-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.15em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f0f3f8; }
td[style] { font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #fafafa; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
code { background: #f4f4f4; padding: 0 0.25em; border-radius: 3px; }
blockquote { border-left: 5px solid #C44E52; background: #fdf2f2; padding: 0.6em 1em; margin: 1em 0; }
blockquote p { margin: 0; }
""".strip()


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
    return "!" + link(alt, target)


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


def epochs_text(networks: Sequence[NetworkSummary]) -> str:
    """The networks' epochs in the order they are named: ``4`` when equal, else ``3/2/1``."""
    epochs = [network.epochs for network in networks]
    return str(epochs[0]) if len(set(epochs)) == 1 else "/".join(map(str, epochs))


def _summary(inputs: ReportInputs, statistics: Statistics, networks: Sequence[NetworkSummary]) -> str:
    dice, asd = (statistics[("all", "all_classes", metric)] for metric in REPORTED_METRICS)
    evaluated = list(case_statistics(inputs.frame)["case"])
    legs = len(inputs.frame.loc[inputs.frame["kind"] == "class", ["case", "leg"]].drop_duplicates())
    minutes = sum(network.minutes for network in networks if not math.isnan(network.minutes))
    model = inputs.model
    text = (
        f"{len(evaluated)} case(s) ({legs} legs) were segmented by the {model.configuration} model "
        f"of dataset {model.dataset} ({model.fold}) and evaluated against their reference labels. Averaged over "
        f"the ten muscles of each leg, the mean Dice is {_mean_sd(dice, 'dice')} and the mean "
        f"average symmetric surface distance (ASD) is {_mean_sd(asd, 'asd_mm')} mm (mean ± SD over "
        f"legs). The network(s) {', '.join(inputs.progress)} trained for {epochs_text(networks)} epoch(s), "
        f"{minutes:.1f} minutes in all."
    )
    predicted = [case.case for case in inputs.cases]
    not_evaluated = [case for case in predicted if case not in evaluated]
    not_predicted = [case for case in evaluated if case not in predicted]
    if not_evaluated:
        text += f" Predicted but not evaluated: {', '.join(not_evaluated)}."
    if not_predicted:
        text += f" Evaluated but not in the predictions folder: {', '.join(not_predicted)}."
    if inputs.missing_predictions:
        text += f" Reference cases without a prediction: {', '.join(inputs.missing_predictions)}."
    return escape(text)


def _structure_table(statistics: Statistics) -> str:
    rows = []
    for kind, structure in dict.fromkeys(key[:2] for key in statistics):
        dice, asd = (statistics[(kind, structure, metric)] for metric in REPORTED_METRICS)
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
    statistics_header = ("Dice mean ± SD", "Dice median", "ASD (mm) mean ± SD", "ASD median (mm)")
    return table(("structure", "label", "legs", *statistics_header), rows, [False] + [True] * 6)


def case_statistics(frame: pd.DataFrame) -> pd.DataFrame:
    """Per case: ``legs``, mean ``dice``, ``asd_mm`` of its per-leg means, and the leg-muscles missed.

    ``missing_in_prediction`` counts the leg-muscles the prediction missed: absent from it, or
    present without any overlap with the reference (Dice 0).
    """
    legs = per_leg_means(frame, REPORTED_METRICS)
    cases = legs.groupby("case", sort=False).agg(
        legs=("leg", "size"), dice=("dice", "mean"), asd_mm=("asd_mm", "mean")
    )
    cases["missing_in_prediction"] = 0
    if "status" in frame.columns:
        missed = frame["status"].eq("missing_in_prediction") | frame["dice"].eq(0.0)
        cases["missing_in_prediction"] = (missed & (frame["kind"] == "class")).groupby(frame["case"]).sum()
    return cases.reset_index()


def _case_table(inputs: ReportInputs) -> str:
    entries = {case.case: case for case in inputs.cases}
    missed = ["muscles missed (leg × muscle)"] if "status" in inputs.frame.columns else []  # a column or none
    rows = []
    for record in case_statistics(inputs.frame).itertuples(index=False):
        entry = entries.get(str(record.case))
        muscles = link("muscles", entry.table_target) if entry and entry.table_target else MISSING
        overlay = link("overlay", entry.overlay_target) if entry and entry.overlay_target else MISSING
        means = (_number(record.dice, "dice"), _number(record.asd_mm, "asd_mm"))
        count = [str(record.missing_in_prediction)] if missed else []
        rows.append((escape(str(record.case)), str(record.legs), *means, *count, muscles, overlay))
    header = ["case", "legs", "mean Dice", "mean ASD (mm)", *missed, "muscle table", "overlay"]
    return table(header, rows, [False, True, True, True] + [True] * len(missed) + [False, False])


def _training(inputs: ReportInputs, networks: Sequence[NetworkSummary]) -> list[str]:
    rows = []
    for network in networks:
        best = f"{_number(network.best_dice, 'dice')} (epoch {network.best_epoch})"
        best = MISSING if network.best_epoch is None else best
        losses = (_fixed(network.train_loss, 4), _fixed(network.val_loss, 4))
        rows.append((escape(network.network), str(network.epochs), *losses, best, _fixed(network.minutes, 1)))
    losses_header = ("last training loss", "last validation loss")
    header = ("network", "epochs", *losses_header, "best validation Dice", "minutes")
    if inputs.validation is None:
        validation = "The fold has no validation summary (a model trained on every case, fold all)."
    else:
        legs, mean_dice = inputs.validation
        legs_text = "" if legs is None else f" ({legs} legs)"
        validation = escape(
            f"Validation of {inputs.model.fold} after training{legs_text}, the networks combined and "
            f"postprocessed: mean Dice {_number(mean_dice, 'dice')}."
        )
    return [
        "## Training",
        table(header, rows, [False] + [True] * 5),
        image(TRAINING_CURVE_FILE, "training and validation loss and validation mean Dice per epoch"),
        validation,
    ]


def _cases(inputs: ReportInputs, output: Path) -> list[str]:
    blocks = ["## Cases"]
    for case in inputs.cases:
        blocks.append(f"### {escape(case.case)}")
        overlay = case.overlay_target and image(
            case.overlay_target, f"overlay of the predicted labels on {case.case}"
        )
        blocks.append(overlay or "No overlay was found for this case.")
        table_link = case.table and link(case.table.name, case.table_target)
        muscles = f"muscle table: {table_link}" if table_link else "no muscle table"
        blocks.append(bullets([muscles, "label map (not copied): " + code(relative(case.label_map, output))]))
    return blocks


def _files(inputs: ReportInputs, output: Path) -> list[str]:
    predictions, evaluation, model = (relative(folder, output) for folder in inputs.folders)
    return [
        "## Files",
        bullets([link(target, target) + escape(f": {text}") for _, target, text in inputs.raw_files]),
        "The label maps are not copied; their paths relative to this folder:",
        bullets([code(relative(case.label_map, output)) for case in inputs.cases]),
        f"Made by thigh_report from the predictions {code(predictions)}, the evaluation {code(evaluation)} "
        f"and the model {code(model)}.",
    ]


def compose(inputs: ReportInputs, output: Path, title: str, note: str) -> str:
    """The report in ``output`` as Markdown: the title, then its sections in order, separated by blank lines."""
    observations = observation_frame(inputs.frame, REPORTED_METRICS)
    rows = summary_table({inputs.model.configuration: observations}, REPORTED_METRICS).to_dict("records")
    statistics = {(row["kind"], row["structure"], row["metric"]): row for row in rows}
    networks = [network_summary(network, frame) for network, frame in inputs.progress.items()]
    blocks = [
        f"# {escape(title)}",
        f"> **{escape(note)}**",
        _summary(inputs, statistics, networks),
        "## Dice and ASD per muscle",
        "Over the legs where a metric is defined: a muscle absent from both label maps is left out; one "
        "missing from either counts with a Dice of 0 and has no ASD. Groups are scored on the union of "
        "their muscles. The last row averages the ten muscles of each leg first.",
        _structure_table(statistics),
        "## Per case",
        "Means over the legs of each case of the per-leg mean over the ten muscles.",
        _case_table(inputs),
        "## Box plot",
        image(BOXPLOT_FILE, "Dice (top) and ASD (bottom) per muscle and over all muscles"),
        *_training(inputs, networks),
        *_cases(inputs, output),
        *_files(inputs, output),
    ]
    return "\n\n".join(blocks) + "\n"


def relative(path: Path, start: Path) -> str:
    """``path`` relative to ``start`` with ``/`` separators (absolute if there is no relative path)."""
    try:
        return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return path.resolve().as_posix()


def render_html(page: str, title: str) -> str:
    """``index.md`` as one self-contained HTML page (Python-Markdown with tables; inline style, no scripts)."""
    converter = markdown.Markdown(extensions=["tables"], output_format="html")
    converter.ESCAPED_CHARS.append("<")  # escape() escapes "<" in text, so that it is never read as a tag
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n"
        f"{converter.convert(page)}\n</body>\n</html>\n"
    )
