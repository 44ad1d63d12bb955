"""``thigh_plan``: validate, fingerprint, plan, split and preprocess a raw dataset.

Output in ``THIGH_PREPROCESSED/DATASET/``: ``fingerprint.json``, ``plans.json``,
``splits.json``, ``legs/`` (see :mod:`thigh_planner.preprocessed_leg`) and
``preprocessing.json``, written last, which marks the preprocessed legs complete.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from thigh_common.atomic import write_json_atomic, write_text_atomic
from thigh_common.dataset_json import read_dataset_json
from thigh_common.errors import ThighSegError
from thigh_common.image_io import image_file_name, label_file_name
from thigh_common.model_files.locate import locate_model
from thigh_planner.detection.thigh_detector import ThighDetection
from thigh_planner.fingerprint import fingerprint_case, summarise_fingerprints
from thigh_planner.parallel import map_with_progress
from thigh_planner.plans import PLANS_FILE, FingerprintSummary, Plans, build_plans, save_plans
from thigh_planner.plans_from_model import model_plans, plans_mismatches
from thigh_planner.preprocess_case import preprocess_case
from thigh_planner.preprocessed_leg import leg_id
from thigh_planner.splits import make_splits, save_splits

logger = logging.getLogger(__name__)

FINGERPRINT_FILE = "fingerprint.json"
SPLITS_FILE = "splits.json"
LEGS_FOLDER = "legs"
COMPLETE_MARKER = "preprocessing.json"
PLANS_HASH_FILE = "plans.sha1"


@dataclass(frozen=True)
class PlanningOptions:
    """What ``thigh_plan`` was asked to do."""

    raw_dataset: Path
    output_folder: Path
    preset: str = "default"
    gpu_memory_gb: float = 8.0
    workers: int = 1
    seed: int = 0
    n_folds: int = 5
    preprocess: bool = True
    plans_from: str | None = None
    """A trained model (folder, fold folder, archive or installed name) whose plans are used unchanged."""


def _case_files(raw_dataset: Path, case_ids: list[str]) -> dict[str, tuple[Path, Path]]:
    ending = read_dataset_json(raw_dataset)["file_ending"]
    return {
        case: (
            raw_dataset / "imagesTr" / image_file_name(case, ending),
            raw_dataset / "labelsTr" / label_file_name(case, ending),
        )
        for case in case_ids
    }


def _raise_for_failures(failures: dict[str, str], step: str) -> None:
    if failures:
        listing = "\n".join(f"  - {case}: {message}" for case, message in sorted(failures.items()))
        raise ThighSegError(
            f"{step} failed for {len(failures)} case(s):\n{listing}\n"
            "Fix or remove these cases from the raw dataset, then run thigh_plan again."
        )


def _fingerprint_one(case: str, image: Path, label: Path, seed: int) -> tuple[dict[str, Any], np.ndarray]:
    return fingerprint_case(case, image, label, seed=seed)


def fingerprint_dataset(
    files: dict[str, tuple[Path, Path]], workers: int, seed: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Fingerprint every case; return the case fingerprints (sorted) and the dataset summary."""
    items = [(case, (case, image, label, seed)) for case, (image, label) in files.items()]
    results, failures = map_with_progress(_fingerprint_one, items, workers, "fingerprint")
    _raise_for_failures(failures, "thigh detection")
    cases = [results[case][0] for case in sorted(results)]
    samples = np.concatenate([results[case][1] for case in sorted(results)])
    return cases, summarise_fingerprints(cases, samples)


def summary_for_plans(summary: dict[str, Any]) -> FingerprintSummary:
    """Reduce the fingerprint's dataset summary to what the plans builder takes."""
    hu = summary["muscle_hu"]
    return FingerprintSummary(
        num_cases=int(summary["num_cases"]),
        median_spacing_mm=tuple(float(v) for v in summary["median_spacing_mm"]),
        muscle_hu_percentiles={"0.5": float(hu["p0.5"]), "99.5": float(hu["p99.5"])},
        muscle_hu_mean=float(hu["mean"]),
        muscle_hu_std=float(hu["std"]),
        median_femur_length_mm=summary["median_femur_shaft_length_mm"],
        label_extent_mm=None if summary["label_extent_mm"] is None else tuple(summary["label_extent_mm"]),
    )


def plans_hash(plans: Plans) -> str:
    """A hash of the plans content, to tell preprocessed legs of other plans apart."""
    return hashlib.sha1(json.dumps(plans.to_dict(), sort_keys=True).encode()).hexdigest()


def _preprocess_one(
    case: str, image: Path, label: Path, plans: Plans, folder: Path, detection: dict[str, Any]
) -> list[str]:
    return preprocess_case(case, image, label, plans, folder, ThighDetection.from_dict(detection))


def preprocess_dataset(
    output_folder: Path,
    files: dict[str, tuple[Path, Path]],
    fingerprints: list[dict[str, Any]],
    plans: Plans,
    workers: int,
) -> list[str]:
    """Write the preprocessed legs of every case, resuming a previous run of the same plans.

    The completion marker is removed first and written last; legs of other plans are discarded.
    """
    marker = output_folder / COMPLETE_MARKER
    marker.unlink(missing_ok=True)
    legs_folder = output_folder / LEGS_FOLDER
    digest = plans_hash(plans)
    hash_file = legs_folder / PLANS_HASH_FILE
    if legs_folder.exists() and (not hash_file.exists() or hash_file.read_text().strip() != digest):
        logger.info("discarding preprocessed legs of other plans in %s", legs_folder)
        shutil.rmtree(legs_folder)
    legs_folder.mkdir(parents=True, exist_ok=True)
    write_text_atomic(digest + "\n", hash_file)

    expected = {
        case["case_id"]: [leg_id(case["case_id"], side) for side in case["detection"]["legs"]]
        for case in fingerprints
    }
    todo = [
        (case, (case, *files[case], plans, legs_folder, fingerprint["detection"]))
        for fingerprint in fingerprints
        for case in [fingerprint["case_id"]]
        if not all((legs_folder / f"{name}.json").exists() for name in expected[case])
    ]
    if len(todo) < len(fingerprints):
        logger.info(
            "resuming: %d of %d cases already preprocessed", len(fingerprints) - len(todo), len(fingerprints)
        )
    _, failures = map_with_progress(_preprocess_one, todo, workers, "preprocess")
    _raise_for_failures(failures, "preprocessing")
    legs = sorted(name for names in expected.values() for name in names)
    write_json_atomic({"plans_sha1": digest, "legs": legs, "complete": True}, marker)
    return legs


def plans_of_model(spec: str, summary: dict[str, Any]) -> tuple[Plans, list[str]]:
    """The plans of the model ``spec``, and where the new data lie outside them (each logged as a warning)."""
    with tempfile.TemporaryDirectory(prefix="thighseg-model-") as unpack:
        plans = model_plans(locate_model(spec, unpack_folder=unpack))
    mismatches = plans_mismatches(plans, summary)
    for line in mismatches:
        logger.warning("the new data lie outside the plans of %s: %s", spec, line)
    source = f"preset {plans.preset}, dataset {plans.dataset_name}"
    logger.info("using the plans of model %s unchanged (%s; %d mismatch(es))", spec, source, len(mismatches))
    return plans, mismatches


def plan_dataset(options: PlanningOptions) -> Path:
    """Run the whole planning of a raw dataset; return the output folder."""
    from dataset_conversion.validation import ensure_valid_dataset

    report = ensure_valid_dataset(options.raw_dataset, workers=options.workers)
    case_ids = [case.case for case in report.cases]
    logger.info("dataset %s: %d valid cases", options.raw_dataset, len(case_ids))
    files = _case_files(options.raw_dataset, case_ids)
    fingerprints, summary = fingerprint_dataset(files, options.workers, options.seed)
    output = options.output_folder
    output.mkdir(parents=True, exist_ok=True)
    record: dict[str, Any] = {"dataset": options.raw_dataset.name, "summary": summary, "cases": fingerprints}
    if options.plans_from:
        plans, mismatches = plans_of_model(options.plans_from, summary)
        record["plans_from"] = {"model": options.plans_from, "mismatches": mismatches}
    else:
        plans = build_plans(
            summary_for_plans(summary), options.raw_dataset.name, options.preset, options.gpu_memory_gb
        )
    write_json_atomic(record, output / FINGERPRINT_FILE)
    save_plans(plans, output / PLANS_FILE)
    save_splits(make_splits(case_ids, options.n_folds, options.seed), output / SPLITS_FILE)
    logger.info("wrote fingerprint, plans and splits to %s", output)
    if options.preprocess:
        legs = preprocess_dataset(output, files, fingerprints, plans, options.workers)
        logger.info("preprocessed %d legs into %s", len(legs), output / LEGS_FOLDER)
    return output
