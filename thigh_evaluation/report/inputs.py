"""Find, check and read what a report is made of: predictions, evaluation and the trained fold.

See "Inputs" in ``documentation/thigh_report.md``.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from thigh_common.errors import InvalidInputError
from thigh_evaluation.metrics_table import METRICS_FILE, SUMMARY_CSV, SUMMARY_JSON, read_metrics_csv
from thigh_inference.label_export import ITKSNAP_TABLE_NAME, SLICER_TABLE_NAME
from thigh_inference.muscle_table import SUMMARY_FILE as PREDICTION_SUMMARY
from thigh_inference.muscle_table import TABLE_SUFFIX

logger = logging.getLogger(__name__)

REPORTED_METRICS: tuple[str, ...] = ("dice", "asd_mm")
LABEL_MAP_SUFFIX = ".nii.gz"
OVERLAY_SUFFIX = "_overlay.png"
NETWORKS: tuple[str, ...] = ("axial", "coronal", "sagittal", "volume")  # a fold's network folders, in order
PROGRESS_FILE = "progress.csv"
PROGRESS_COLUMNS: tuple[str, ...] = ("epoch", "train_loss", "val_loss", "mean_dice", "seconds")
TRAINING_JSON = "training.json"
VALIDATION_FOLDER = "validation"
FOLDERS: tuple[tuple[str, str], ...] = (  # the input folders: their name in messages, what is expected
    ("predictions", "the output folder of thigh_predict (CASE.nii.gz, ...)"),
    ("evaluation", "the output folder of thigh_evaluate (metrics.csv, ...)"),
    ("model fold", "a fold folder of thigh_train (RESULTS/DATASET/2d5/fold_0)"),
)
RawFile = tuple[Path, str, str]  # a file the report copies: source, target in the report, what it holds


@dataclass(frozen=True)
class PredictedCase:
    """The files ``thigh_predict`` wrote for a scan: ``CASE.nii.gz``, ``_muscles.csv``, ``_overlay.png``."""

    case: str
    label_map: Path
    table: Path | None
    overlay: Path | None

    @property
    def overlay_target(self) -> str | None:
        """The overlay's copy in the report folder, ``overlays/NAME`` (None without an overlay)."""
        return None if self.overlay is None else f"overlays/{self.overlay.name}"

    @property
    def table_target(self) -> str | None:
        """The muscle table's copy in the report folder, ``tables/NAME`` (None without a table)."""
        return None if self.table is None else f"tables/{self.table.name}"


@dataclass(frozen=True)
class NetworkSummary:
    """A network's training (``progress.csv``): last losses, best validation Dice; NaN where none."""

    network: str
    epochs: int
    train_loss: float
    val_loss: float
    best_dice: float
    best_epoch: int | None
    minutes: float


@dataclass(frozen=True)
class ModelDescription:
    """Which model a fold folder holds (from ``training.json``, else from the folder names)."""

    dataset: str
    configuration: str
    fold: str


@dataclass(frozen=True)
class ReportInputs:
    """Everything a report shows, found, checked and read.

    ``folders`` are the predictions, evaluation and model fold; ``cases`` are sorted by id; ``frame`` is
    the evaluation's ``metrics.csv``; ``progress`` each network's ``progress.csv`` (:data:`NETWORKS`
    first); ``validation`` the fold's validation (legs or None, mean Dice), None without one;
    ``raw_files`` are the tables the report copies, in the order it lists them.
    """

    folders: tuple[Path, Path, Path]
    cases: tuple[PredictedCase, ...]
    frame: pd.DataFrame
    progress: dict[str, pd.DataFrame]
    model: ModelDescription
    validation: tuple[int | None, float] | None
    missing_predictions: tuple[str, ...]
    raw_files: tuple[RawFile, ...]


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
        table, overlay = (predictions / f"{case}{suffix}" for suffix in (TABLE_SUFFIX, OVERLAY_SUFFIX))
        if not overlay.is_file():
            logger.warning("%s: no overlay %s in %s; the report shows none", case, overlay.name, predictions)
        if not table.is_file():
            logger.warning(
                "%s: no muscle table %s in %s; the report links none", case, table.name, predictions
            )
        cases.append(PredictedCase(case, label_map, _file_or_none(table), _file_or_none(overlay)))
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
    if folds:
        hint = f"it holds {', '.join(folds)}: give one of them (e.g. {model_fold / folds[0]})"
    else:
        hint = "give a fold folder of thigh_train, e.g. RESULTS/DATASET/2d5/fold_0"
    raise InvalidInputError(
        f"model fold folder {model_fold} holds no training progress: looked for the networks' {looked_for}; {hint}"
    )


def _check_output(output: Path, folders: tuple[Path, Path, Path]) -> None:
    if output.exists() and not output.is_dir():
        raise InvalidInputError(f"the report folder {output} exists and is not a folder: choose another -o")
    for folder, (what, _) in zip(folders, FOLDERS, strict=True):
        if output.resolve() == folder.resolve():
            raise InvalidInputError(
                f"the report folder {output} is the {what} folder; choose another -o (e.g. {output / 'report'}) "
                "so that the report does not mix with its inputs"
            )


def read_inputs(predictions: Path, evaluation: Path, model_fold: Path, output: Path) -> ReportInputs:
    """Find, check and read a report's inputs; check that ``output`` is none of them.

    Raises:
        InvalidInputError: If a folder is missing, the predictions hold no label map, the evaluation no
            usable ``metrics.csv``, the fold no readable network ``progress.csv``, or ``output`` is an input.
    """
    folders = (Path(predictions), Path(evaluation), Path(model_fold))
    predictions, evaluation, model_fold = folders
    for folder, (what, expected) in zip(folders, FOLDERS, strict=True):
        if not folder.is_dir():
            state = "is not a folder" if folder.exists() else "not found"
            raise InvalidInputError(f"{what} folder {folder} {state}: expected {expected}")
    cases = find_cases(predictions)
    metrics_csv = evaluation / METRICS_FILE
    if not metrics_csv.is_file():
        raise InvalidInputError(
            f"evaluation folder {evaluation} has no {METRICS_FILE}: give the output folder of thigh_evaluate "
            f"(thigh_evaluate -r LABELS -p {predictions} -o EVAL_DIR)"
        )
    progress = find_progress(model_fold)
    validation = model_fold / VALIDATION_FOLDER
    copies = [  # source, the start of its copy's path in the report (the name follows), what it holds
        (metrics_csv, "evaluation/", "Dice, ASD, HD95 and volumes per case, leg and structure"),
        (evaluation / SUMMARY_JSON, "evaluation/", "the evaluation's statistics per class and group"),
        (evaluation / SUMMARY_CSV, "evaluation/", "the same statistics as a table"),
        (predictions / PREDICTION_SUMMARY, "tables/", "muscle volumes, HU and fat fraction of every case"),
        (predictions / SLICER_TABLE_NAME, "labels/", "colour table of the label maps for 3D Slicer"),
        (predictions / ITKSNAP_TABLE_NAME, "labels/", "colour table of the label maps for ITK-SNAP"),
        *(
            (path, f"training/{name}_", f"loss and Dice per epoch, {name} network")
            for name, path in progress.items()
        ),
        (validation / SUMMARY_JSON, "training/validation_", "the fold's validation after training"),
        (validation / "dice.csv", "training/validation_", "validation Dice per leg and muscle"),
    ]
    logger.info(
        "report inputs: %d predicted case(s) in %s, evaluation %s, network(s) %s of %s",
        *(len(cases), predictions, evaluation, ", ".join(progress), model_fold),
    )
    _check_output(output, folders)
    frame = read_metrics_csv(metrics_csv, REPORTED_METRICS)
    if not (frame["kind"] == "class").any():
        raise InvalidInputError(
            f"{metrics_csv} has no row of kind 'class' (one per case, leg and muscle): run thigh_evaluate again"
        )
    legs = frame[["case", "leg"]].drop_duplicates()
    logger.info(
        "%s: %d case(s), %d leg(s), %d row(s)", metrics_csv, legs["case"].nunique(), len(legs), len(frame)
    )
    return ReportInputs(
        folders,
        cases,
        frame,
        read_progress(progress),
        describe_model(model_fold, progress),
        read_validation(validation / SUMMARY_JSON),
        read_missing_predictions(evaluation / SUMMARY_JSON),
        tuple((path, prefix + path.name, text) for path, prefix, text in copies if path.is_file()),
    )


def read_progress(paths: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """Each network's ``progress.csv`` with the columns of :data:`PROGRESS_COLUMNS` as floats.

    A missing column becomes NaN (``epoch`` the row number); a file with a header only gives no rows.

    Raises:
        InvalidInputError: If a file cannot be read as a CSV table.
    """
    progress = {}
    for network, path in paths.items():
        try:
            frame = pd.read_csv(path)
        except pd.errors.EmptyDataError:
            frame = pd.DataFrame(columns=list(PROGRESS_COLUMNS))
        except (pd.errors.ParserError, UnicodeDecodeError) as error:
            reason = str(error).strip().splitlines()[0]
            raise InvalidInputError(
                f"{path} cannot be read as a CSV table ({reason}): expected thigh_train's progress.csv"
            ) from None
        for column in PROGRESS_COLUMNS:
            if column not in frame.columns:
                frame[column] = range(1, len(frame) + 1) if column == "epoch" else math.nan
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        if frame.empty:
            logger.warning("%s: no epoch recorded yet", path)
        progress[network] = frame
    return progress


def _last(values: pd.Series) -> float:
    defined = values.dropna()
    return float(defined.iloc[-1]) if len(defined) else math.nan


def network_summary(network: str, frame: pd.DataFrame) -> NetworkSummary:
    """Epochs, last losses, best validation Dice and time of one network's progress table."""
    dice = frame["mean_dice"].dropna()
    best_epoch = frame.loc[dice.idxmax(), "epoch"] if len(dice) else math.nan
    return NetworkSummary(
        network,
        len(frame),
        _last(frame["train_loss"]),
        _last(frame["val_loss"]),
        float(dice.max()),
        None if math.isnan(best_epoch) else int(best_epoch),
        float(frame["seconds"].sum(min_count=1)) / 60,
    )


def _read_json(path: Path, consequence: str) -> dict[str, Any] | None:
    """The JSON object in ``path``; None if there is none (a warning ending in ``consequence`` if unreadable)."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        logger.warning("%s cannot be read (%s); %s", path, error, consequence)
        return None
    return data


def describe_model(model_fold: Path, networks: Mapping[str, Path]) -> ModelDescription:
    """Dataset, configuration, fold: the first network's ``training.json`` options, else the folder names."""
    resolved = model_fold.resolve()
    fallback = ModelDescription(resolved.parent.parent.name, resolved.parent.name, resolved.name)
    for network in networks:
        data = _read_json(model_fold / network / TRAINING_JSON, "left out of the report")
        options = data.get("options") if data else None
        if isinstance(options, dict):
            fold = str(options.get("fold", ""))
            if fold in ("", "None"):
                fold = fallback.fold
            elif not fold.startswith("fold_"):
                fold = f"fold_{fold}"
            dataset = str(options.get("dataset") or fallback.dataset)
            configuration = str(options.get("configuration") or fallback.configuration)
            return ModelDescription(dataset, configuration, fold)
    return fallback


def read_validation(path: Path) -> tuple[int | None, float] | None:
    """``num_legs`` (None if not a whole number) and ``mean_dice`` of ``validation/summary.json``.

    None if the file is absent, cannot be read or has no number under ``mean_dice``.
    """
    data = _read_json(path, "left out of the report")
    if data is None:
        return None
    mean_dice, legs = data.get("mean_dice"), data.get("num_legs")
    if isinstance(mean_dice, bool) or not isinstance(mean_dice, int | float):
        logger.warning("%s has no number under 'mean_dice'; the fold's validation is left out", path)
        return None
    return (legs if isinstance(legs, int) and not isinstance(legs, bool) else None), float(mean_dice)


def read_missing_predictions(path: Path) -> tuple[str, ...]:
    """``cases_missing_prediction`` of the evaluation's ``summary.json``; none (with a warning) without one."""
    not_listed = "the reference cases without a prediction are not listed"
    if not path.is_file():
        logger.warning("%s has no %s; %s", path.parent, path.name, not_listed)
    summary = _read_json(path, not_listed)
    missing = (summary or {}).get("cases_missing_prediction")
    return tuple(str(case) for case in missing) if isinstance(missing, list) else ()
