"""Find a trained model from what a user typed: a model folder, a fold folder, an installed name, or an archive.

``thigh_predict -m``, ``thigh_train --pretrained`` and ``thigh_plan --plans-from``
take the same MODEL argument:

* a model folder ``THIGH_RESULTS/DATASET/CONFIG`` (all its folds);
* one fold of it, ``.../CONFIG/fold_F`` (that fold only);
* an archive written by ``thigh_export`` (``*.zip``), verified and unpacked into a
  temporary folder that the caller owns;
* the name of a model installed with ``thigh_install`` (under ``THIGH_MODELS``).

Example:
    >>> location = locate_model("results/Dataset020/2d5/fold_0")  # doctest: +SKIP
    >>> location.folder.name, location.folds
    ('2d5', ['0'])
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from thigh_common.errors import InvalidInputError
from thigh_common.model_files.install import NAME_PATTERN, installed_model, models_root, unpack_for_prediction
from thigh_common.model_files.layout import FOLD_PREFIX, PLANS_FILE


@dataclass(frozen=True)
class ModelLocation:
    """Where a model's files are.

    Attributes:
        folder: The model folder (holding ``fold_F`` folders).
        folds: The folds the user named (a fold folder), or None for every fold.
        source: What the user typed, for messages and records.
    """

    folder: Path
    folds: list[str] | None
    source: str

    def fold_folders(self) -> list[Path]:
        """The chosen fold folders that hold plans (sorted by name)."""
        folders = sorted(p for p in self.folder.glob(f"{FOLD_PREFIX}*") if (p / PLANS_FILE).is_file())
        if self.folds is not None:
            folders = [p for p in folders if p.name.removeprefix(FOLD_PREFIX) in self.folds]
        if not folders:
            raise InvalidInputError(
                f"{self.source}: no trained fold (no {FOLD_PREFIX}*/{PLANS_FILE}) in {self.folder}"
            )
        return folders


def locate_model(
    spec: str | os.PathLike[str],
    unpack_folder: str | os.PathLike[str] | None = None,
    root: str | os.PathLike[str] | None = None,
) -> ModelLocation:
    """Resolve a MODEL argument.

    Args:
        spec: A model folder, a fold folder, an archive (``.zip``), or an installed model's name.
        unpack_folder: Where an archive is unpacked (a temporary folder the caller removes);
            required for archives.
        root: The models folder for names; default ``THIGH_MODELS``.

    Raises:
        InvalidInputError: If ``spec`` is none of these; the message says what was looked at.
    """
    text = str(spec)
    path = Path(text).expanduser()
    if path.is_dir():
        if path.name.startswith(FOLD_PREFIX) and (path / PLANS_FILE).is_file():
            return ModelLocation(path.parent, [path.name.removeprefix(FOLD_PREFIX)], text)
        if any(path.glob(f"{FOLD_PREFIX}*/{PLANS_FILE}")):
            return ModelLocation(path, None, text)
        raise InvalidInputError(
            f"{path}: not a model folder (no {FOLD_PREFIX}*/{PLANS_FILE} inside) nor a fold folder; give "
            "THIGH_RESULTS/DATASET/CONFIG, one of its fold_F folders, an exported .zip or an installed name"
        )
    if path.is_file():
        if unpack_folder is None:
            raise ValueError("an archive needs an unpack_folder")
        return ModelLocation(unpack_for_prediction(path, unpack_folder), None, text)
    if NAME_PATTERN.match(text) and not text.endswith(".zip"):
        return ModelLocation(installed_model(text, root), None, text)
    raise InvalidInputError(
        f"{text}: no such model folder, fold folder or archive, and not the name of a model installed "
        f"in {models_root(root)}"
    )
