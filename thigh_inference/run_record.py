"""``prediction.json``: which model and label table made a ``thigh_predict`` output folder.

Written once per run (per part, ``prediction_partK.json``, when the cohort is split
with ``--num-parts``), it lets later steps refuse to mix outputs that are not
comparable: merging the parts of a cohort, or a follow-up between two runs. The
model is identified by its configuration, its plans' hash and the SHA-256 of every
network's weights; the label table is stored whole.

Example:
    >>> record = run_record(model_identity(folder, ["fold_0"], ("axial",), plans_sha1))  # doctest: +SKIP
    >>> write_run_record(out, record)  # doctest: +SKIP
    >>> comparability_problems(read_run_records(out)[0], read_run_records(other)[0])  # doctest: +SKIP
    []
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from thigh_common import __version__
from thigh_common.atomic import write_json_atomic
from thigh_common.errors import InvalidInputError
from thigh_common.labels import dataset_json_labels
from thigh_common.model_files.layout import FINAL_CHECKPOINT, FOLD_PREFIX, PLANS_FILE
from thigh_common.model_files.manifest import file_sha256

RECORD_FILE = "prediction.json"
PART_RECORD_PATTERN = "prediction_part*.json"


def record_name(num_parts: int = 1, part_id: int = 0) -> str:
    """The record's file name: ``prediction.json``, or ``prediction_partK.json`` for part K of several."""
    return RECORD_FILE if num_parts <= 1 else f"prediction_part{part_id}.json"


def model_identity(
    folder: Path, fold_folders: list[str], network_names: tuple[str, ...], plans_sha1: str, configuration: str
) -> dict[str, Any]:
    """What identifies a model: folder, configuration, folds, plans hash and each network's weights hash."""
    weights = {
        f"{fold}/{network}": file_sha256(folder / fold / network / FINAL_CHECKPOINT)
        for fold in fold_folders
        for network in network_names
        if (folder / fold / network / FINAL_CHECKPOINT).is_file()
    }
    return {
        "folder": str(folder),
        "configuration": configuration,
        "folds": list(fold_folders),
        "plans_sha1": plans_sha1,
        "weights_sha256": weights,
    }


def identity_of(folder: Path, folds: list[str] | None = None) -> dict[str, Any]:
    """The identity of the model in ``folder`` (a model folder or one ``fold_F`` folder), for ``folds``.

    Reads the first fold's plans and training record and hashes every network's final weights.
    """
    folder = Path(folder)
    if folder.name.startswith(FOLD_PREFIX) and (folder / PLANS_FILE).is_file():
        folder, folds = folder.parent, [folder.name[len(FOLD_PREFIX) :]]
    if folds:
        fold_folders = [folder / f"{FOLD_PREFIX}{fold}" for fold in folds]
    else:
        fold_folders = sorted(p for p in folder.glob(f"{FOLD_PREFIX}*") if (p / PLANS_FILE).is_file())
    if not fold_folders:  # not a model: loading it says why; nothing to hash
        return model_identity(folder, [], (), "", "")
    first = fold_folders[0]
    networks = tuple(sorted(p.parent.name for p in first.glob(f"*/{FINAL_CHECKPOINT}")))
    records = sorted(first.glob("*/training.json"))
    configuration = (
        json.loads(records[0].read_text(encoding="utf-8"))["options"]["configuration"] if records else ""
    )
    plans_sha1 = hashlib.sha1((first / PLANS_FILE).read_bytes()).hexdigest()
    return model_identity(folder, [f.name for f in fold_folders], networks, plans_sha1, configuration)


def run_record(model: dict[str, Any], num_parts: int = 1, part_id: int = 0) -> dict[str, Any]:
    """The record of one run: thighseg version, time, model identity, label table and part."""
    return {
        "thighseg_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": model,
        "labels": dataset_json_labels(),
        "part": {"num_parts": num_parts, "part_id": part_id},
    }


def write_run_record(folder: Path, record: dict[str, Any]) -> None:
    """Write the record into an output folder (atomically)."""
    part = record["part"]
    write_json_atomic(record, Path(folder) / record_name(part["num_parts"], part["part_id"]))


def read_run_records(folder: Path) -> list[dict[str, Any]]:
    """Every run record of an output folder (one, or one per part); empty if it has none.

    Raises:
        InvalidInputError: If a record is not readable JSON.
    """
    paths = sorted(Path(folder).glob(RECORD_FILE)) + sorted(Path(folder).glob(PART_RECORD_PATTERN))
    records = []
    for path in paths:
        try:
            records.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            raise InvalidInputError(f"{path}: not a readable run record ({error})") from error
    return records


def comparability_problems(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    """Why two runs' outputs may not be compared or merged (empty: they may).

    Two runs are comparable when they used the same label table and the same model:
    configuration, plans and every network's weights.
    """
    problems = []
    if first.get("labels") != second.get("labels"):
        problems.append("they were made with different label tables")
    one, other = first.get("model", {}), second.get("model", {})
    for key, what in (
        ("configuration", "configurations"),
        ("plans_sha1", "plans"),
        ("weights_sha256", "weights"),
    ):
        if one.get(key) != other.get(key):
            problems.append(
                f"they were made by different models (other {what}: {one.get('folder')} and {other.get('folder')})"
            )
            break
    return problems
