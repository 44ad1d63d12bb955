"""Build the report folder: copy the files it shows, draw its figures, write ``index.md`` and ``index.html``.

See ``documentation/thigh_report.md`` for the layout. Files are copied atomically; a new run removes
the files of an earlier run that it does not write (:data:`MANAGED_FILES`).
"""

from __future__ import annotations

import html
import logging
import os
import shutil
from pathlib import Path

import markdown

from thigh_common.atomic import atomic_path, write_text_atomic
from thigh_common.errors import InvalidInputError
from thigh_evaluation.metrics_table import read_metrics_csv
from thigh_evaluation.report import followup_section
from thigh_evaluation.report.contents import (
    BOXPLOT_FILE,
    DEMO_NOTE,
    TRAINING_CURVE_FILE,
    CaseEntry,
    RawFile,
    ReportContent,
    compose,
    targets,
)
from thigh_evaluation.report.inputs import ReportInputs, find_inputs, read_missing_predictions
from thigh_evaluation.report.training import describe_model, network_summary, read_progress, read_validation

logger = logging.getLogger(__name__)

REPORTED_METRICS: tuple[str, ...] = ("dice", "asd_mm")
INDEX_HTML = "index.html"
INDEX_MD = "index.md"
MANAGED_FILES: dict[str, tuple[str, ...]] = {  # per subfolder, what a report writes there
    "overlays": ("*_overlay.png",),
    "tables": ("*_muscles.csv", "summary.csv"),
    "evaluation": ("metrics.csv", "summary.json", "summary.csv"),
    "training": ("*_progress.csv", "validation_summary.json", "validation_dice.csv"),
    "labels": ("labels.ctbl", "labels_itksnap.txt"),
    followup_section.FOLDER: followup_section.MANAGED,
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
    """Copies files into the report folder atomically and remembers what it wrote."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.written: set[Path] = set()

    def copy(self, source: Path, target: str) -> str:
        """Copy ``source`` to ``output/target``; returns ``target``."""
        destination = self.output / target
        with atomic_path(destination) as temporary:
            shutil.copyfile(source, temporary)
        self.written.add(destination)
        return target

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


def _copy_cases(inputs: ReportInputs, copier: _Copier, output: Path) -> tuple[CaseEntry, ...]:
    return tuple(
        CaseEntry(
            case.case,
            copier.copy(case.overlay, f"overlays/{case.overlay.name}") if case.overlay else None,
            copier.copy(case.table, f"tables/{case.table.name}") if case.table else None,
            _relative(case.label_map, output),
        )
        for case in inputs.cases
    )


def _copy_raw_files(inputs: ReportInputs, copier: _Copier) -> tuple[RawFile, ...]:
    candidates = [
        (
            inputs.metrics_csv,
            "evaluation/metrics.csv",
            "Dice, ASD, HD95 and volumes per case, leg and structure",
        ),
        (inputs.summary_json, "evaluation/summary.json", "the evaluation's statistics per class and group"),
        (inputs.summary_csv, "evaluation/summary.csv", "the same statistics as a table"),
        (
            inputs.prediction_summary,
            "tables/summary.csv",
            "muscle volumes, HU and fat fraction of every case",
        ),
    ]
    for path in inputs.colour_tables:
        program = "3D Slicer" if path.suffix == ".ctbl" else "ITK-SNAP"
        candidates.append((path, f"labels/{path.name}", f"colour table of the label maps for {program}"))
    for network, path in inputs.progress.items():
        candidates.append(
            (path, f"training/{network}_progress.csv", f"loss and Dice per epoch, {network} network")
        )
    candidates.append(
        (
            inputs.validation_summary,
            "training/validation_summary.json",
            "the fold's validation after training",
        )
    )
    candidates.append(
        (inputs.validation_dice, "training/validation_dice.csv", "validation Dice per leg and muscle")
    )
    return tuple(RawFile(copier.copy(source, target), text) for source, target, text in candidates if source)


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


def _check_links(page: str, output: Path) -> None:
    missing = [target for target in targets(page) if not (output / target).is_file()]
    if missing:  # a bug, not a user error
        raise RuntimeError(f"the report links files it did not write: {', '.join(missing)}")


def _take_in_followup(source: Path, copier: _Copier, output: Path) -> str:
    """Copy a ``thigh_followup`` output into ``output/followup``; return the index's section on it."""
    for path, target in followup_section.followup_files(source):
        copier.copy(path, target)
    page = followup_section.followup_page(source)
    folder = output / followup_section.FOLDER
    for name, text in (("index.md", page), ("index.html", render_html(page, "Follow-up"))):
        write_text_atomic(text, folder / name)
        copier.written.add(folder / name)
    return followup_section.section(source)


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
        followup_section.check_followup(Path(followup))
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
    content = ReportContent(
        title=title or f"thighseg report: {model.dataset} {model.configuration} {model.fold}",
        note=note or DEMO_NOTE,
        model=model,
        cases=_copy_cases(inputs, copier, output),
        statistics=summary_table(
            {model.configuration: observation_frame(frame, REPORTED_METRICS)}, REPORTED_METRICS
        ),
        frame=frame,
        networks=tuple(network_summary(network, rows) for network, rows in progress.items()),
        validation=read_validation(inputs.validation_summary),
        raw_files=_copy_raw_files(inputs, copier),
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
        page += _take_in_followup(Path(followup), copier, output)
    copier.remove_leftovers()
    _check_links(page, output)
    write_text_atomic(page, output / INDEX_MD)
    index = output / INDEX_HTML
    write_text_atomic(render_html(page, content.title), index)
    logger.info("wrote the report %s (and %s)", index, INDEX_MD)
    return index
