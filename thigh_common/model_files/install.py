"""Install a model archive into the models folder, and find installed models by name.

``thigh_install model.zip`` checks the whole archive first (manifest schema, entry
names, sizes, every SHA-256), then unpacks it into a staging folder beside the
target and renames that to ``THIGH_MODELS/NAME`` in one step, so a refused or
interrupted install leaves nothing behind. ``THIGH_MODELS`` defaults to
``~/thighseg_data/models``. An installed model is an ordinary model folder:
``thigh_predict -m NAME`` (or ``-m model.zip``, unpacked to a temporary folder
for that run) predicts with it.

Example:
    >>> install_model("thigh_2d5.zip")  # doctest: +SKIP
    PosixPath('/home/me/thighseg_data/models/Dataset020_2d5')
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from thigh_common.errors import InvalidInputError
from thigh_common.model_files.manifest import MANIFEST, read_manifest, sha256_of_stream, verify_member
from thigh_common.paths import working_folder

logger = logging.getLogger(__name__)

MODELS_VARIABLE = "THIGH_MODELS"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def models_root(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder installed models live in: ``override``, else ``THIGH_MODELS``, else the default."""
    return working_folder(MODELS_VARIABLE, override)


def _open_archive(path: Path) -> zipfile.ZipFile:
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file; expected a model archive written by thigh_export")
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise InvalidInputError(
            f"{path}: not a zip archive or damaged ({error}); nothing was written"
        ) from error


def _check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise InvalidInputError(
            f"model name {name!r}: use letters, digits, '.', '_' and '-' only (no folders), e.g. Thigh_2d5"
        )
    return name


def _unpack_verified(archive: zipfile.ZipFile, manifest: dict[str, Any], target: Path, source: str) -> None:
    """Verify every checksum, then write the members below ``target`` (which must not exist yet)."""
    for name, record in manifest["files"].items():
        verify_member(archive, name, record, source)
    target.mkdir(parents=True)
    for name, record in manifest["files"].items():
        destination = (target / name).resolve()
        if target.resolve() not in destination.parents:  # belt and braces beside check_member_name
            raise InvalidInputError(f"{source}: entry {name!r} leaves the model folder; refused")
        destination.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(name) as stream, open(destination, "wb") as handle:
            shutil.copyfileobj(stream, handle)
        with open(destination, "rb") as handle:  # what landed on disk is what was verified
            digest, _ = sha256_of_stream(handle)
        if digest != record["sha256"]:
            raise InvalidInputError(f"{source}: {name} changed while unpacking; nothing was installed")
    (target / MANIFEST).write_bytes(archive.read(MANIFEST))


def install_model(
    archive_path: str | os.PathLike[str],
    root: str | os.PathLike[str] | None = None,
    name: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Verify a model archive and unpack it as ``ROOT/NAME``.

    Args:
        archive_path: The archive written by ``thigh_export``.
        root: The models folder; default ``THIGH_MODELS`` (else ``~/thighseg_data/models``).
        name: The installed model's name; default: the name in the manifest.
        overwrite: Whether an installed model of that name may be replaced.

    Returns:
        The installed model folder.

    Raises:
        InvalidInputError: For a damaged, altered or unsafe archive, a newer schema, a bad name, or an
            existing model without ``overwrite``; nothing is written then.
    """
    path = Path(archive_path)
    root_folder = models_root(root)
    with _open_archive(path) as archive:
        manifest = read_manifest(archive, str(path))
        model_name = _check_name(name or str(manifest.get("name") or path.stem))
        target = root_folder / model_name
        if target.exists() and not overwrite:
            raise InvalidInputError(
                f"{target}: a model named {model_name!r} is installed; pass --name OTHER or --overwrite"
            )
        root_folder.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{model_name}.installing-", dir=root_folder))
        try:
            _unpack_verified(archive, manifest, stage / "model", str(path))
            if target.exists():
                shutil.rmtree(target)
            os.replace(stage / "model", target)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    folds = ", ".join(manifest.get("folds", []))
    logger.info("installed %s as %s (%s, folds %s)", path, target, manifest.get("configuration"), folds)
    return target


def unpack_for_prediction(archive_path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> Path:
    """Verify an archive and unpack it below ``folder`` (a temporary folder of one run).

    Returns:
        The unpacked model folder.
    """
    path = Path(archive_path)
    with _open_archive(path) as archive:
        manifest = read_manifest(archive, str(path))
        target = Path(folder) / "model"
        _unpack_verified(archive, manifest, target, str(path))
    return target


def installed_model(name: str, root: str | os.PathLike[str] | None = None) -> Path:
    """The folder of the installed model ``name``.

    Raises:
        InvalidInputError: If no model of that name is installed (the message lists those that are).
    """
    root_folder = models_root(root)
    folder = root_folder / _check_name(name)
    if not (folder / MANIFEST).is_file():
        installed = (
            sorted(p.name for p in root_folder.iterdir() if (p / MANIFEST).is_file())
            if root_folder.is_dir()
            else []
        )
        raise InvalidInputError(
            f"no installed model {name!r} in {root_folder} (installed: {', '.join(installed) or 'none'}); "
            "install one with: thigh_install MODEL.zip"
        )
    return folder
