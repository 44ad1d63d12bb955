"""Find and check what a report is made of: predictions, evaluation and the trained fold.

See "Inputs" in ``documentation/thigh_report.md``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from thigh_common.errors import InvalidInputError

logger = logging.getLogger(__name__)

LABEL_MAP_SUFFIX = ".nii.gz"
TABLE_SUFFIX = "_muscles.csv"
OVERLAY_SUFFIX = "_overlay.png"
PREDICTION_SUMMARY = "summary.csv"
COLOUR_TABLES: tuple[str, ...] = ("labels.ctbl", "labels_itksnap.txt")
METRICS_FILE = "metrics.csv"
SUMMARY_JSON = "summary.json"
SUMMARY_CSV = "summary.csv"
NETWORKS: tuple[str, ...] = ("axial", "coronal", "sagittal", "volume")
"""Network folders of a fold, in display order (``thigh_trainer``: three orientations, or ``volume`` for 3d)."""
PROGRESS_FILE = "progress.csv"
TRAINING_JSON = "training.json"
VALIDATION_FOLDER = "validation"


@dataclass(frozen=True)
class PredictedCase:
    """The files ``thigh_predict`` wrote for one scan.

    Attributes:
        case: Case id (the label map's file name without ``.nii.gz``).
        label_map: ``CASE.nii.gz``.
        table: ``CASE_muscles.csv``, or None if absent.
        overlay: ``CASE_overlay.png``, or None if absent.
    """

    case: str
    label_map: Path
    table: Path | None
    overlay: Path | None


@dataclass(frozen=True)
class ReportInputs:
    """Every input file of a report, found and checked.

    Attributes:
        predictions: The predictions folder.
        evaluation: The evaluation folder.
        model_fold: The trained fold folder.
        cases: The predicted cases, sorted by id.
        prediction_summary: ``summary.csv`` of ``thigh_predict``, or None.
        colour_tables: The colour tables of the label maps that exist.
        metrics_csv: ``metrics.csv`` of ``thigh_evaluate``.
        summary_json: ``summary.json`` of ``thigh_evaluate``, or None.
        summary_csv: ``summary.csv`` of ``thigh_evaluate``, or None.
        progress: ``progress.csv`` by network name, in :data:`NETWORKS` order, then others.
        validation_summary: ``validation/summary.json`` of the fold, or None.
        validation_dice: ``validation/dice.csv`` of the fold, or None.
    """

    predictions: Path
    evaluation: Path
    model_fold: Path
    cases: tuple[PredictedCase, ...]
    prediction_summary: Path | None
    colour_tables: tuple[Path, ...]
    metrics_csv: Path
    summary_json: Path | None
    summary_csv: Path | None
    progress: dict[str, Path]
    validation_summary: Path | None
    validation_dice: Path | None


def _file_or_none(path: Path) -> Path | None:
    return path if path.is_file() else None


def _check_folder(folder: Path, what: str, expected: str) -> None:
    if not folder.is_dir():
        state = "is not a folder" if folder.exists() else "not found"
        raise InvalidInputError(f"{what} {folder} {state}: expected {expected}")


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
            logger.warning("%s: no overlay %s%s in %s; the report shows none", case, case, OVERLAY_SUFFIX,
                           predictions)  # fmt: skip
        if table is None:
            logger.warning("%s: no muscle table %s%s in %s; the report links none", case, case, TABLE_SUFFIX,
                           predictions)  # fmt: skip
        cases.append(PredictedCase(case, label_map, table, overlay))
    return tuple(cases)


def find_progress(model_fold: Path) -> dict[str, Path]:
    """``progress.csv`` of each network of a trained fold, known networks first.

    Raises:
        InvalidInputError: If no network folder holds a ``progress.csv``; the message names the
            networks looked for, and the fold folders when a configuration folder was given.
    """
    found = {name: model_fold / name / PROGRESS_FILE for name in NETWORKS}
    progress = {name: path for name, path in found.items() if path.is_file()}
    others = sorted(
        folder.name
        for folder in model_fold.iterdir()
        if folder.is_dir() and folder.name not in NETWORKS and (folder / PROGRESS_FILE).is_file()
    )
    progress.update({name: model_fold / name / PROGRESS_FILE for name in others})
    if progress:
        return progress
    looked_for = ", ".join(f"{name}/{PROGRESS_FILE}" for name in NETWORKS)
    folds = sorted(folder.name for folder in model_fold.glob("fold_*") if folder.is_dir())
    hint = (
        f"; it holds {', '.join(folds)}: give one of them (e.g. {model_fold / folds[0]})"
        if folds
        else "; give a fold folder of thigh_train, e.g. RESULTS/DATASET/2d5/fold_0"
    )
    raise InvalidInputError(
        f"model fold folder {model_fold} holds no training progress: looked for the networks' {looked_for}"
        + hint
    )


def find_inputs(predictions: Path, evaluation: Path, model_fold: Path) -> ReportInputs:
    """Find and check the inputs of a report.

    Args:
        predictions: Output folder of ``thigh_predict``.
        evaluation: Output folder of ``thigh_evaluate``.
        model_fold: Fold folder of ``thigh_train`` (``RESULTS/DATASET/CONFIG/fold_N``).

    Returns:
        The files found.

    Raises:
        InvalidInputError: If a folder is missing, the predictions hold no label map, the
            evaluation no ``metrics.csv``, or the fold no network's ``progress.csv``.
    """
    predictions, evaluation, model_fold = Path(predictions), Path(evaluation), Path(model_fold)
    _check_folder(predictions, "predictions folder", "the output folder of thigh_predict (CASE.nii.gz, ...)")
    _check_folder(evaluation, "evaluation folder", "the output folder of thigh_evaluate (metrics.csv, ...)")
    _check_folder(
        model_fold, "model fold folder", "a fold folder of thigh_train (RESULTS/DATASET/2d5/fold_0)"
    )
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
            "%s has no %s; the statistics are computed from %s", evaluation, SUMMARY_JSON, METRICS_FILE
        )
    validation = model_fold / VALIDATION_FOLDER
    inputs = ReportInputs(
        predictions=predictions,
        evaluation=evaluation,
        model_fold=model_fold,
        cases=cases,
        prediction_summary=_file_or_none(predictions / PREDICTION_SUMMARY),
        colour_tables=tuple(path for name in COLOUR_TABLES if (path := predictions / name).is_file()),
        metrics_csv=metrics_csv,
        summary_json=summary_json,
        summary_csv=_file_or_none(evaluation / SUMMARY_CSV),
        progress=progress,
        validation_summary=_file_or_none(validation / SUMMARY_JSON),
        validation_dice=_file_or_none(validation / "dice.csv"),
    )
    logger.info(
        "report inputs: %d predicted case(s) in %s, evaluation %s, network(s) %s of %s",
        len(cases), predictions, evaluation, ", ".join(progress), model_fold,
    )  # fmt: skip
    return inputs
