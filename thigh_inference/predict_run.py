"""``thigh_predict``: segment a cohort of scans with a trained model and write labels, tables and overlays.

Per scan ``CASE`` in ``OUT``: ``CASE.nii.gz`` (uint8 labels on the scan's grid),
``CASE_muscles.csv``, ``CASE_overlay.png`` and, with ``--save-probabilities``,
``CASE_probabilities.npz``. Once per run: ``summary.csv`` over every case table in
``OUT``, ``labels.ctbl`` (3D Slicer) and ``labels_itksnap.txt``. Every file is written
atomically; the label map is written last, so its presence marks a finished scan: a run
killed at any moment and started again skips the finished scans, redoes the one it was
killed in (removing the hidden temporary files it left) and goes on.

With ``scan_timeout_minutes`` each scan is predicted in a worker process
(:mod:`thigh_inference.scan_process`) under that time limit; otherwise in this process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import SimpleITK as sitk
from tqdm import tqdm

from thigh_common.atomic import atomic_path, remove_stale_temporaries
from thigh_common.image_io import reading_note, scan_identity
from thigh_common.output_paths import check_output_folder
from thigh_inference import label_export, muscle_table, partial_muscles, quality
from thigh_inference.failures import FailureLog
from thigh_inference.inputs import ScanInput, check_scan, find_scans, read_scan
from thigh_inference.muscle_groups import with_group_rows
from thigh_inference.output_guard import check_outputs_apart_from_inputs
from thigh_inference.overlay import write_overlay
from thigh_inference.predict_options import PredictOptions
from thigh_inference.scan_prediction import predict_scan
from thigh_inference.scan_process import ModelSource, PredictFunction, ScanWorker
from thigh_inference.sharding import select_part
from thigh_inference.trained_model import TrainedModel

logger = logging.getLogger(__name__)

SUMMARY_FILE = muscle_table.SUMMARY_FILE
TABLE_SUFFIX = muscle_table.TABLE_SUFFIX


def _save_probabilities(path: Path, leg_probabilities: dict[str, np.ndarray]) -> None:
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        np.savez_compressed(handle, **leg_probabilities)


def output_names(case_id: str) -> tuple[str, ...]:
    """The files ``thigh_predict`` may write for one scan."""
    suffixes = (".nii.gz", TABLE_SUFFIX, "_overlay.png", "_probabilities.npz")
    return tuple(f"{case_id}{suffix}" for suffix in suffixes)


def predict_one(scan: ScanInput, model: TrainedModel, options: PredictOptions) -> dict[str, float]:
    """Predict one scan and write its outputs; return the seconds spent per step."""
    out = options.output_folder
    started = time.perf_counter()
    image = read_scan(scan)
    check_scan(image, scan.case_id)
    seconds = {"reading": time.perf_counter() - started}
    prediction = predict_scan(image, model, scan.case_id, options.prediction_settings)
    seconds.update(prediction.seconds)
    export_started = time.perf_counter()
    detection = prediction.detection
    for note in detection.notes:
        logger.warning("%s: %s", scan.case_id, note)
    side_of = prediction.left
    if side_of is None and detection.midline is not None:
        side_of = muscle_table.left_of_plane(image, detection.midline)
    table = muscle_table.case_table(
        prediction.labels,
        sitk.GetArrayViewFromImage(image),
        image.GetSpacing(),
        side_of,
        set(detection.legs),
        scan.case_id,
        reading_note(image),
    )
    cuts = partial_muscles.cut_muscles(prediction.labels, image, side_of, set(detection.legs))
    table = partial_muscles.mark_partial(table, cuts, detection.legs)
    table = with_group_rows(quality.add_quality(table, prediction.quality, model_volume_ranges(model)))
    table = muscle_table.with_scan_identity(table, scan_identity(image))
    flags = quality.flags_of(table)
    if flags:
        listing = "; ".join(f"{muscle} ({reason})" for muscle, reason in flags.items())
        logger.warning("%s: %d muscle(s) to check: %s", scan.case_id, len(flags), listing)
    for message in partial_muscles.leg_warnings(cuts, detection.legs):
        logger.warning("%s: %s", scan.case_id, message)
    muscle_table.write_case_table(table, out / f"{scan.case_id}{TABLE_SUFFIX}")
    label_image = label_export.labels_to_image(prediction.labels, image)
    write_overlay(image, label_image, out / f"{scan.case_id}_overlay.png", title=scan.case_id, flags=flags)
    if options.save_probabilities:
        _save_probabilities(out / f"{scan.case_id}_probabilities.npz", prediction.leg_probabilities)
    label_export.write_labels(label_image, out / f"{scan.case_id}.nii.gz")
    seconds["export"] = time.perf_counter() - export_started
    return seconds


def model_volume_ranges(model: TrainedModel | None) -> dict[str, tuple[float, float]] | None:
    """The training volume range per muscle of a loaded model (None without ``label_volumes.json``)."""
    if not isinstance(model, TrainedModel):
        return None
    return quality.training_volume_ranges(model.folder, model.networks.keys())


def write_cohort_files(output_folder: Path) -> None:
    """Write the colour tables and ``summary.csv`` over every case table in the folder."""
    label_export.write_colour_table(output_folder / label_export.SLICER_TABLE_NAME)
    label_export.write_itksnap_labels(output_folder / label_export.ITKSNAP_TABLE_NAME)
    tables = [muscle_table.read_case_table(path) for path in sorted(output_folder.glob(f"*{TABLE_SUFFIX}"))]
    if tables:
        muscle_table.write_summary(muscle_table.summary_table(tables), output_folder / SUMMARY_FILE)


def cohort_scans(options: PredictOptions) -> list[ScanInput]:
    """Find the scans of this part of the cohort and check that ``OUT`` can take their outputs.

    Cheap (no image is read), so ``thigh_predict`` calls it before loading the model.

    Args:
        options: What ``thigh_predict`` was asked to do.

    Returns:
        The scans of part ``options.part_id``, sorted by case id.

    Raises:
        InvalidInputError: If IN holds no scans, ``--series-uid`` names no series of IN, or OUT
            holds an input (an output must never replace an input).
        ThighSegError: If OUT is a file, or cannot be written or created.
    """
    scans = find_scans(options.input_path, options.series_uid)
    check_outputs_apart_from_inputs(options.input_path, scans, options.output_folder)
    check_output_folder(options.output_folder, "-o")
    return select_part(scans, options.num_parts, options.part_id)


def predict_cohort(
    model: TrainedModel | ModelSource,
    options: PredictOptions,
    scans: list[ScanInput] | None = None,
    predict: PredictFunction = predict_one,
) -> FailureLog:
    """Predict every scan of this part of the cohort; failures are collected, not raised.

    Args:
        model: The trained model, or where to load it from (loaded here, or by the worker
            process with ``options.scan_timeout_minutes``).
        options: What ``thigh_predict`` was asked to do.
        scans: The scans from :func:`cohort_scans`; found and checked here when None.
        predict: What predicts one scan and writes its outputs (a module-level function, as it
            is pickled for the worker process).

    Returns:
        The scans that succeeded and those that failed, with their reasons.

    Raises:
        InvalidInputError: If the model cannot be loaded.
    """
    if scans is None:
        scans = cohort_scans(options)
    out = options.output_folder
    out.mkdir(parents=True, exist_ok=True)
    todo = [s for s in scans if options.overwrite or not (out / f"{s.case_id}.nii.gz").exists()]
    if len(todo) < len(scans):
        skipped = len(scans) - len(todo)
        logger.info("skipping %d scan(s) with outputs already in %s (--overwrite redoes them)", skipped, out)
    for scan in todo:  # files half-written by a run that was killed (other parts' scans untouched)
        for path in remove_stale_temporaries(out, output_names(scan.case_id)):
            logger.info("removed %s, left half-written by a run that was killed", path.name)
    failures = FailureLog()
    if options.scan_timeout_minutes is None:
        loaded = model.load() if isinstance(model, ModelSource) else model
        _predict_each(todo, lambda scan: predict(scan, loaded, options), failures)
    else:
        if not isinstance(model, ModelSource):
            raise TypeError("a time limit per scan needs a ModelSource: the worker process loads the model")
        with ScanWorker(model, options, 60.0 * options.scan_timeout_minutes, predict) as worker:
            _predict_each(todo, worker.predict, failures)
    write_cohort_files(out)
    return failures


def _predict_each(
    scans: list[ScanInput], predict: Callable[[ScanInput], dict[str, float]], failures: FailureLog
) -> None:
    for scan in tqdm(scans, desc="scans", unit="scan", disable=None):
        with failures.guard(scan.case_id):
            seconds = predict(scan)
            breakdown = ", ".join(f"{step} {value:.1f} s" for step, value in seconds.items())
            logger.info("%s: done in %.1f s (%s)", scan.case_id, sum(seconds.values()), breakdown)
