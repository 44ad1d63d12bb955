"""The ``dataset.json`` of a raw dataset (nnU-Net v2 compatible)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from thigh_common.atomic import write_json_atomic
from thigh_common.labels import dataset_json_labels

DATASET_JSON = "dataset.json"


def make_dataset_json(num_training: int, file_ending: str = ".nii.gz", **extra: Any) -> dict[str, Any]:
    """Build the ``dataset.json`` content for a thighseg raw dataset.

    Args:
        num_training: Number of cases in ``imagesTr``.
        file_ending: Image file ending.
        **extra: Further entries (e.g. ``name``, ``description``, ``phantom``).
    """
    content: dict[str, Any] = {
        "channel_names": {"0": "CT"},
        "labels": dataset_json_labels(),
        "numTraining": int(num_training),
        "file_ending": file_ending,
    }
    content.update(extra)
    return content


def write_dataset_json(dataset_folder: str | os.PathLike[str], content: dict[str, Any]) -> None:
    """Write ``content`` as ``dataset.json`` in ``dataset_folder`` atomically."""
    write_json_atomic(content, Path(dataset_folder) / DATASET_JSON)


def read_dataset_json(dataset_folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Read ``dataset.json`` of ``dataset_folder`` (no validation; see the validation module)."""
    with open(Path(dataset_folder) / DATASET_JSON, encoding="utf-8") as handle:
        return json.load(handle)
