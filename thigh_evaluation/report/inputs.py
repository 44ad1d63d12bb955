"""Find and check what a report is made of: predictions, evaluation and the trained fold.

See "Inputs" in ``documentation/thigh_report.md``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from thigh_common.errors import InvalidInputError
from thigh_evaluation.metrics_table import METRICS_FILE, SUMMARY_CSV, SUMMARY_JSON
from thigh_inference.label_export import ITKSNAP_TABLE_NAME, SLICER_TABLE_NAME
from thigh_inference.muscle_table import SUMMARY_FILE as PREDICTION_SUMMARY
from thigh_inference.muscle_table import TABLE_SUFFIX

logger = logging.getLogger(__name__)

LABEL_MAP_SUFFIX = ".nii.gz"
OVERLAY_SUFFIX = "_overlay.png"
COLOUR_TABLES: dict[str, str] = {SLICER_TABLE_NAME: "3D Slicer", ITKSNAP_TABLE_NAME: "ITK-SNAP"}
NETWORKS: tuple[str, ...] = ("axial", "coronal", "sagittal", "volume")  # a fold's network folders, in order
PROGRESS_FILE = "progress.csv"
TRAINING_JSON = "training.json"
VALIDATION_FOLDER = "validation"
RawFile = tuple[Path, str, str]  # a file the report copies: source, target in the report, what it holds


@dataclass(frozen=True)
class PredictedCase:
    """The files ``thigh_predict`` wrote for a scan: ``CASE.nii.gz``, ``_muscles.csv``, ``_overlay.png``."""

    case: str
    label_map: Path
    table: Path | None
    overlay: Path | None


@dataclass(frozen=True)
class ReportInputs:
    """Every input file of a report, found and checked (None: an optional file that is absent).

    ``cases`` are sorted by id; ``progress`` is by network, in :data:`NETWORKS` order, then others;
    ``raw_files`` are the tables the report copies, in the order it lists them.
    """

    predictions: Path
    evaluation: Path
    model_fold: Path
    cases: tuple[PredictedCase, ...]
    metrics_csv: Path
    summary_json: Path | None
    progress: dict[str, Path]
    validation_summary: Path | None
    raw_files: tuple[RawFile, ...]

    def sources(self) -> tuple[Path, Path, Path]:
        """The predictions, evaluation and model fold folders."""
        return self.predictions, self.evaluation, self.model_fold


def _file_or_none(path: Path) -> Path | None:
    return path if path.is_file() else None


def find_cases(predictions: Path) -> tuple[PredictedCase, ...]:
    """The cases of a ``thigh_predict`` output folder; warns about a case without overlay or table.

    Raises:
        InvalidInputError: If the folder holds no ``CASE.nii.gz``.
    """
    label_maps = sorted(
        path
        for path in predictions.iterdir()
        if path.name.endswith(LABEL_MAP_SUFFIX) and not path.name.startswith(".") and path.is_file()
    )
    if not label_maps:
        raise InvalidInputError(
            f"predictions folder {predictions} holds no label map CASE{LABEL_MAP_SUFFIX}: give the output "
            "folder of thigh_predict (thigh_predict -i SCANS -o PRED_DIR)"
        )
    cases = []
    for label_map in label_maps:
        case = label_map.name[: -len(LABEL_MAP_SUFFIX)]
        table = _file_or_none(predictions / f"{case}{TABLE_SUFFIX}")
        overlay = _file_or_none(predictions / f"{case}{OVERLAY_SUFFIX}")
        if overlay is None:
            logger.warning(
                "%s: no overlay %s%s in %s; the report shows none", case, case, OVERLAY_SUFFIX, predictions
            )
        if table is None:
            logger.warning(
                "%s: no muscle table %s%s in %s; the report links none", case, case, TABLE_SUFFIX, predictions
            )
        cases.append(PredictedCase(case, label_map, table, overlay))
    return tuple(cases)


def find_progress(model_fold: Path) -> dict[str, Path]:
    """``progress.csv`` of each network of a trained fold, known networks first.

    Raises:
        InvalidInputError: If no network holds one; naming the networks looked for, and the fold folders
            when a configuration folder was given.
    """
    others = sorted(
        folder.name for folder in model_fold.iterdir() if folder.is_dir() and folder.name not in NETWORKS
    )
    found = {name: model_fold / name / PROGRESS_FILE for name in (*NETWORKS, *others)}
    progress = {name: path for name, path in found.items() if path.is_file()}
    if progress:
        return progress
    looked_for = ", ".join(f"{name}/{PROGRESS_FILE}" for name in NETWORKS)
    folds = sorted(folder.name for folder in model_fold.glob("fold_*") if folder.is_dir())
    hint = f"; it holds {', '.join(folds)}: give one of them (e.g. {model_fold / folds[0]})" if folds else ""
    hint = hint or "; give a fold folder of thigh_train, e.g. RESULTS/DATASET/2d5/fold_0"
    raise InvalidInputError(
        f"model fold folder {model_fold} holds no training progress: looked for the networks' {looked_for}"
        + hint
    )


def find_inputs(predictions: Path, evaluation: Path, model_fold: Path) -> ReportInputs:
    """Find and check a report's inputs: the output folders of ``thigh_predict``, ``thigh_evaluate``, a fold.

    Raises:
        InvalidInputError: If a folder is missing, the predictions hold no label map, the
            evaluation no ``metrics.csv``, or the fold no network's ``progress.csv``.
    """
    predictions, evaluation, model_fold = Path(predictions), Path(evaluation), Path(model_fold)
    for folder, what, expected in (
        (predictions, "predictions folder", "the output folder of thigh_predict (CASE.nii.gz, ...)"),
        (evaluation, "evaluation folder", "the output folder of thigh_evaluate (metrics.csv, ...)"),
        (model_fold, "model fold folder", "a fold folder of thigh_train (RESULTS/DATASET/2d5/fold_0)"),
    ):
        if not folder.is_dir():
            state = "is not a folder" if folder.exists() else "not found"
            raise InvalidInputError(f"{what} {folder} {state}: expected {expected}")
    cases = find_cases(predictions)
    metrics_csv = evaluation / METRICS_FILE
    if not metrics_csv.is_file():
        raise InvalidInputError(
            f"evaluation folder {evaluation} has no {METRICS_FILE}: give the output folder of thigh_evaluate "
            f"(thigh_evaluate -r LABELS -p {predictions} -o EVAL_DIR)"
        )
    progress = find_progress(model_fold)
    summary_json = _file_or_none(evaluation / SUMMARY_JSON)
    if summary_json is None:
        logger.warning(
            "%s has no %s; the reference cases without a prediction are not listed", evaluation, SUMMARY_JSON
        )
    validation = model_fold / VALIDATION_FOLDER
    raw_files = [
        (metrics_csv, "evaluation/metrics.csv", "Dice, ASD, HD95 and volumes per case, leg and structure"),
        (
            evaluation / SUMMARY_JSON,
            "evaluation/summary.json",
            "the evaluation's statistics per class and group",
        ),
        (evaluation / SUMMARY_CSV, "evaluation/summary.csv", "the same statistics as a table"),
        (
            predictions / PREDICTION_SUMMARY,
            "tables/summary.csv",
            "muscle volumes, HU and fat fraction of every case",
        ),
        *(
            (predictions / name, f"labels/{name}", f"colour table of the label maps for {program}")
            for name, program in COLOUR_TABLES.items()
        ),
        *(
            (path, f"training/{network}_progress.csv", f"loss and Dice per epoch, {network} network")
            for network, path in progress.items()
        ),
        (
            validation / SUMMARY_JSON,
            "training/validation_summary.json",
            "the fold's validation after training",
        ),
        (validation / "dice.csv", "training/validation_dice.csv", "validation Dice per leg and muscle"),
    ]
    logger.info(
        "report inputs: %d predicted case(s) in %s, evaluation %s, network(s) %s of %s",
        *(len(cases), predictions, evaluation, ", ".join(progress), model_fold),
    )
    return ReportInputs(
        *(predictions, evaluation, model_fold, cases, metrics_csv, summary_json, progress),
        _file_or_none(validation / SUMMARY_JSON),
        tuple(raw for raw in raw_files if raw[0].is_file()),
    )


def read_missing_predictions(path: Path | None) -> tuple[str, ...]:
    """``cases_missing_prediction`` of ``summary.json``; none (with a warning) if it cannot be read."""
    if path is None:
        return ()
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(summary, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        logger.warning(
            "%s cannot be read (%s); the reference cases without a prediction are not listed", path, error
        )
        return ()
    missing = summary.get("cases_missing_prediction")
    return tuple(str(case) for case in missing) if isinstance(missing, list) else ()
