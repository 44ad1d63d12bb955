"""Write a trained model as one archive: the weights of chosen folds, plans, label table and summary.

What goes in (paths relative to the model folder ``THIGH_RESULTS/DATASET/CONFIG``):
per fold ``fold_F/plans.json`` (and ``splits.json``); per network
``fold_F/NETWORK/checkpoint_final.pt`` holding the weights of the chosen checkpoint (final
or best, as the manifest says; the optimiser and other resume state are left out),
``training.json``, ``progress.csv`` and ``calibration.npz``
when present (the int8 path needs it); the fold's final validation
(``fold_F/validation/summary.json`` and ``dice.csv``) when present. Per-leg
probability files of the validation and the latest/resume checkpoints stay out.
``labels.json`` holds the label table, ``manifest.json`` the thighseg version, the
schema, the configuration, each fold's validation Dice and every file's size and
SHA-256.

Example:
    >>> export_model("results/Dataset020/2d5", "thigh_2d5.zip", folds=["0", "1"])  # doctest: +SKIP
"""

from __future__ import annotations

import io
import json
import logging
import os
import time
import zipfile
from pathlib import Path
from typing import Any

from thigh_common import __version__
from thigh_common.atomic import atomic_path
from thigh_common.errors import InvalidInputError
from thigh_common.labels import dataset_json_labels
from thigh_common.model_files.layout import BEST_CHECKPOINT, FINAL_CHECKPOINT, FOLD_PREFIX, PLANS_FILE
from thigh_common.model_files.manifest import LABELS_FILE, MANIFEST, SCHEMA, sha256_of_stream

logger = logging.getLogger(__name__)

CHECKPOINT_FILES = {"final": FINAL_CHECKPOINT, "best": BEST_CHECKPOINT}
ARCHIVE_CHECKPOINT = CHECKPOINT_FILES["final"]
"""Name of every network's weights in the archive (the file ``thigh_predict`` loads)."""
FOLD_FILES = (PLANS_FILE, "splits.json", "validation/summary.json", "validation/dice.csv")
NETWORK_FILES = ("training.json", "progress.csv", "calibration.npz")
TRAINING_STATE_KEYS = ("optimizer", "scheduler", "grad_scaler", "rng")
"""Checkpoint entries only a resumed training needs; left out of the archive (twice the weights' size)."""


def weights_only(path: Path) -> bytes:
    """The checkpoint at ``path`` without its training state, serialised (weights and plain facts)."""
    import torch  # only here: the rest of the package works without it

    content = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(content, dict) or "network" not in content:
        raise InvalidInputError(
            f"{path}: not a thighseg checkpoint (no network weights); train the fold again"
        )
    buffer = io.BytesIO()
    torch.save({key: value for key, value in content.items() if key not in TRAINING_STATE_KEYS}, buffer)
    return buffer.getvalue()


def _fold_folders(model: Path, folds: list[str] | None) -> list[Path]:
    """The fold folders to export, checked to exist."""
    available = {
        p.name.removeprefix(FOLD_PREFIX): p for p in sorted(model.glob(f"{FOLD_PREFIX}*")) if p.is_dir()
    }
    if not available:
        raise InvalidInputError(
            f"{model}: no {FOLD_PREFIX}* folders; expected a model folder THIGH_RESULTS/DATASET/CONFIG "
            "with trained folds"
        )
    chosen = folds or sorted(available)
    unknown = [fold for fold in chosen if fold not in available]
    if unknown:
        raise InvalidInputError(
            f"{model}: no fold(s) {', '.join(unknown)}; trained folds: {', '.join(sorted(available))}"
        )
    return [available[fold] for fold in chosen]


def _fold_members(fold: Path, checkpoint: str) -> dict[str, Path]:
    """Archive name -> file for one fold; refuses a fold without the chosen checkpoint."""
    members: dict[str, Path] = {}
    for name in FOLD_FILES:
        if (fold / name).is_file():
            members[f"{fold.name}/{name}"] = fold / name
    if PLANS_FILE not in {name.split("/", 1)[1] for name in members}:
        raise InvalidInputError(f"{fold}: no plans.json; the fold was not trained by thigh_train")
    networks = sorted(p.parent for p in fold.glob("*/training.json"))
    if not networks:
        raise InvalidInputError(f"{fold}: no trained network (no NETWORK/training.json)")
    for network in networks:
        weights = network / CHECKPOINT_FILES[checkpoint]
        if not weights.is_file():
            raise InvalidInputError(
                f"{network}: no {weights.name}; train the fold to its end, or export with --checkpoint "
                f"{'best' if checkpoint == 'final' else 'final'}"
            )
        members[f"{fold.name}/{network.name}/{ARCHIVE_CHECKPOINT}"] = weights
        for name in NETWORK_FILES:
            if (network / name).is_file():
                members[f"{fold.name}/{network.name}/{name}"] = network / name
    return members


def _validation_dice(fold: Path) -> float | None:
    """The fold's final validation mean Dice (``validation/summary.json``), if recorded."""
    summary = fold / "validation" / "summary.json"
    if not summary.is_file():
        return None
    content = json.loads(summary.read_text(encoding="utf-8"))
    value = content.get("mean_dice")
    return float(value) if isinstance(value, (int, float)) else None


def _configuration(fold: Path) -> str:
    record = next(iter(sorted(fold.glob("*/training.json"))))
    return str(json.loads(record.read_text(encoding="utf-8"))["options"]["configuration"])


def export_model(
    model: str | os.PathLike[str],
    output: str | os.PathLike[str],
    folds: list[str] | None = None,
    checkpoint: str = "final",
    overwrite: bool = False,
) -> dict[str, Any]:
    """Write the model folder ``model`` as one zip archive.

    Args:
        model: The model folder (``THIGH_RESULTS/DATASET/CONFIG``).
        output: The archive to write (``.zip``).
        folds: Fold names to include (``0``, ``all``, ...); None: every trained fold.
        checkpoint: ``final`` or ``best``.
        overwrite: Whether an existing ``output`` may be replaced.

    Returns:
        The manifest written into the archive.

    Raises:
        InvalidInputError: For a folder that is no trained model, a missing fold or checkpoint,
            or an existing output without ``overwrite``.
    """
    model, output = Path(model), Path(output)
    if checkpoint not in CHECKPOINT_FILES:
        raise InvalidInputError(f"unknown checkpoint {checkpoint!r}; choose final or best")
    if output.exists() and not overwrite:
        raise InvalidInputError(f"{output}: exists; choose another name or pass --overwrite")
    fold_folders = _fold_folders(model, folds)
    members: dict[str, Path] = {}
    for fold in fold_folders:
        members.update(_fold_members(fold, checkpoint))
    files: dict[str, dict[str, Any]] = {}
    labels = json.dumps(dataset_json_labels(), indent=2).encode("utf-8")
    manifest: dict[str, Any] = {
        "schema": SCHEMA,
        "thighseg_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "name": model.parent.name + "_" + model.name,
        "source": str(model.resolve()),
        "configuration": _configuration(fold_folders[0]),
        "checkpoint": checkpoint,
        "folds": [fold.name.removeprefix(FOLD_PREFIX) for fold in fold_folders],
        "validation_mean_dice": {fold.name: _validation_dice(fold) for fold in fold_folders},
        "files": files,
    }
    with atomic_path(output) as temporary, zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in sorted(members.items()):
            data = weights_only(path) if name.endswith(ARCHIVE_CHECKPOINT) else path.read_bytes()
            archive.writestr(name, data)
            digest, size = sha256_of_stream(io.BytesIO(data))
            files[name] = {"size": size, "sha256": digest}
        archive.writestr(LABELS_FILE, labels)
        digest, size = sha256_of_stream(io.BytesIO(labels))
        files[LABELS_FILE] = {"size": size, "sha256": digest}
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
    folds_text = ", ".join(manifest["folds"])
    logger.info(
        "exported %s (%s, folds %s, %s checkpoints) to %s",
        model,
        manifest["configuration"],
        folds_text,
        checkpoint,
        output,
    )
    return manifest
