"""Build the report folder: copy the files it shows, draw its figures, write ``index.md`` and ``index.html``.

See ``documentation/thigh_report.md`` for the layout. Files are copied atomically; a new run removes
the files of an earlier run that it does not write (:data:`MANAGED_FILES`). ``--followup DIR`` takes in
the output of ``thigh_followup``: its page, table and figures go to ``followup/``, linked from the index.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
from pathlib import Path

import markdown
import pandas as pd

from thigh_common.atomic import atomic_path, write_text_atomic
from thigh_common.errors import InvalidInputError
from thigh_evaluation.metrics_table import read_metrics_csv
from thigh_evaluation.report.contents import (
    BOXPLOT_FILE,
    DEMO_NOTE,
    TRAINING_CURVE_FILE,
    CaseEntry,
    ReportContent,
    compose,
    targets,
)
from thigh_evaluation.report.inputs import ReportInputs, find_inputs, read_missing_predictions
from thigh_evaluation.report.training import describe_model, network_summary, read_progress, read_validation
from thigh_inference.followup.figure import FIGURE_SUFFIX, flagged
from thigh_inference.followup.run import COHORT_TABLE, PAGE

logger = logging.getLogger(__name__)

REPORTED_METRICS: tuple[str, ...] = ("dice", "asd_mm")
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


class _Copier:
    """Writes files into the report folder atomically and remembers what it wrote."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.written: set[Path] = set()

    def copy(self, source: Path, target: str) -> str:
        """Copy ``source`` to ``output/target``; returns ``target``."""
        with atomic_path(self.output / target) as temporary:
            shutil.copyfile(source, temporary)
        self.written.add(self.output / target)
        return target

    def write(self, text: str, target: str) -> None:
        """Write ``text`` to ``output/target``."""
        write_text_atomic(text, self.output / target)
        self.written.add(self.output / target)

    def remove_leftovers(self) -> None:
        """Delete report files of an earlier run that this run did not write."""
        for folder, patterns in MANAGED_FILES.items():
            for pattern in patterns:
                for path in (self.output / folder).glob(pattern):
                    if path.is_file() and path not in self.written:
                        logger.info("removing %s of an earlier report", path)
                        path.unlink()


def _relative(path: Path, start: Path) -> str:
    """``path`` relative to ``start`` with ``/`` separators (absolute if there is no relative path)."""
    try:
        return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return path.resolve().as_posix()


def _check_output(output: Path, inputs: ReportInputs) -> None:
    if output.exists() and not output.is_dir():
        raise InvalidInputError(f"the report folder {output} exists and is not a folder: choose another -o")
    for what, folder in zip(("predictions", "evaluation", "model fold"), inputs.sources(), strict=True):
        if output.resolve() == folder.resolve():
            raise InvalidInputError(
                f"the report folder {output} is the {what} folder; choose another -o (e.g. {output / 'report'}) "
                "so that the report does not mix with its inputs"
            )


def _check_followup(source: Path) -> None:
    if not source.is_dir():
        raise InvalidInputError(
            f"--followup {source}: no such folder; give the output folder of thigh_followup"
        )
    for name in (PAGE, COHORT_TABLE):
        if not (source / name).is_file():
            raise InvalidInputError(
                f"--followup {source}: no {name}; give the output folder of thigh_followup (-o)"
            )


def render_html(page: str, title: str) -> str:
    """``index.md`` as one self-contained HTML page (Python-Markdown with tables; inline style, no scripts)."""
    converter = markdown.Markdown(extensions=["tables"], output_format="html")
    converter.ESCAPED_CHARS.append("<")  # compose() escapes "<" in text, so that it is never read as a tag
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n"
        f"{converter.convert(page)}\n</body>\n</html>\n"
    )


def _take_in_followup(source: Path, copier: _Copier) -> str:
    """Copy a ``thigh_followup`` output into ``followup/`` as a page of its own; return the index's section."""
    for path in (source / COHORT_TABLE, *sorted(source.glob(f"*{FIGURE_SUFFIX}"))):
        copier.copy(path, f"{FOLLOWUP}/{path.name}")
    page = "[back to the report](../index.html)\n\n" + (source / PAGE).read_text(encoding="utf-8")
    copier.write(page, f"{FOLLOWUP}/{INDEX_MD}")
    copier.write(render_html(page, "Follow-up"), f"{FOLLOWUP}/{INDEX_HTML}")
    table = pd.read_csv(source / COHORT_TABLE)
    subjects = table["subject"].nunique() if len(table) else 0
    to_check = table.loc[flagged(table), "subject"].nunique() if len(table) else 0
    return (
        "\n## Follow-up\n\n"
        f"{subjects} subject(s) compared between two time points by thigh_followup "
        f"({to_check} with muscles to check): volume, mean HU and fat fraction per leg, muscle and "
        f"group, and their change. [The follow-up page]({FOLLOWUP}/index.html) ([Markdown]({FOLLOWUP}/index.md)) "
        f"shows each subject's figure; the table is [{FOLLOWUP}/{COHORT_TABLE}]({FOLLOWUP}/{COHORT_TABLE}).\n"
    )


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
        note: The highlighted note on the model's use; by default :data:`~.contents.DEMO_NOTE`.
        followup: Output folder of ``thigh_followup``, shown as the page ``followup/index.html``.

    Raises:
        InvalidInputError: If an input folder is missing or lacks what the report needs
            (a label map, ``metrics.csv``, a network's ``progress.csv``, ``followup.csv``), or ``output``
            is an input folder.
    """
    from thigh_evaluation.comparison.figure import plot_boxes
    from thigh_evaluation.comparison.tables import observation_frame, summary_table
    from thigh_evaluation.report.training import plot_training_curve

    inputs = find_inputs(Path(predictions), Path(evaluation), Path(model_fold))
    output = Path(output)
    _check_output(output, inputs)
    if followup is not None:
        _check_followup(Path(followup))
    frame = read_metrics_csv(inputs.metrics_csv, REPORTED_METRICS)
    if not (frame["kind"] == "class").any():
        raise InvalidInputError(
            f"{inputs.metrics_csv} has no row of kind 'class' (one per case, leg and muscle): run thigh_evaluate again"
        )
    legs = frame[["case", "leg"]].drop_duplicates()
    logger.info(
        "%s: %d case(s), %d leg(s), %d row(s)",
        inputs.metrics_csv,
        legs["case"].nunique(),
        len(legs),
        len(frame),
    )
    progress = read_progress(inputs.progress)
    model = describe_model(inputs.model_fold, inputs.progress)

    output.mkdir(parents=True, exist_ok=True)
    copier = _Copier(output)
    cases = tuple(
        CaseEntry(
            case.case,
            copier.copy(case.overlay, f"overlays/{case.overlay.name}") if case.overlay else None,
            copier.copy(case.table, f"tables/{case.table.name}") if case.table else None,
            _relative(case.label_map, output),
        )
        for case in inputs.cases
    )
    content = ReportContent(
        title=title or f"thighseg report: {model.dataset} {model.configuration} {model.fold}",
        note=note or DEMO_NOTE,
        model=model,
        cases=cases,
        statistics=summary_table(
            {model.configuration: observation_frame(frame, REPORTED_METRICS)}, REPORTED_METRICS
        ),
        frame=frame,
        networks=tuple(network_summary(network, rows) for network, rows in progress.items()),
        validation=read_validation(inputs.validation_summary),
        raw_files=tuple((copier.copy(source, target), text) for source, target, text in inputs.raw_files),
        missing_predictions=read_missing_predictions(inputs.summary_json),
        sources=tuple(_relative(folder, output) for folder in inputs.sources()),
    )
    plot_boxes(
        {model.configuration: frame},
        output / BOXPLOT_FILE,
        title=f"{model.dataset} {model.configuration} {model.fold}: per muscle (left) and mean over muscles "
        "per leg (right)",
    )
    plot_training_curve(
        progress, output / TRAINING_CURVE_FILE, title=f"{model.dataset} {model.configuration} {model.fold}"
    )
    page = compose(content)
    if followup is not None:
        page += _take_in_followup(Path(followup), copier)
    copier.remove_leftovers()
    missing = [target for target in targets(page) if not (output / target).is_file()]
    if missing:  # a bug, not a user error
        raise RuntimeError(f"the report links files it did not write: {', '.join(missing)}")
    write_text_atomic(page, output / INDEX_MD)
    index = output / INDEX_HTML
    write_text_atomic(render_html(page, content.title), index)
    logger.info("wrote the report %s (and %s)", index, INDEX_MD)
    return index
