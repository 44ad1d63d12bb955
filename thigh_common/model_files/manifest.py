"""The manifest of an exported model archive: what it holds, checksums, and the checks on reading it.

An archive written by ``thigh_export`` is a zip file with ``manifest.json`` at its
root and the model folder's files below it (``fold_F/plans.json``,
``fold_F/NETWORK/checkpoint_final.pt``, ...). The manifest lists every other entry
with its size and SHA-256, so that ``thigh_install`` can refuse a damaged or
altered archive before anything is written.

Example:
    >>> check_member_name("fold_0/axial/checkpoint_final.pt")
    >>> check_member_name("../outside.pt")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    InvalidInputError: ...
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import PurePosixPath
from typing import Any

from thigh_common.errors import InvalidInputError

MANIFEST = "manifest.json"
SCHEMA = 1
"""Version of the archive layout; an archive with a higher one was made by a newer thighseg."""
LABELS_FILE = "labels.json"
HASH_CHUNK = 1 << 20


def sha256_of_stream(stream: Any, limit: int | None = None) -> tuple[str, int]:
    """SHA-256 and length of a binary stream; stop with an error past ``limit`` bytes.

    Raises:
        InvalidInputError: If the stream is longer than ``limit`` (a member larger than declared).
    """
    digest = hashlib.sha256()
    total = 0
    while chunk := stream.read(HASH_CHUNK):
        total += len(chunk)
        if limit is not None and total > limit:
            raise InvalidInputError(f"archive member longer than its declared {limit} bytes")
        digest.update(chunk)
    return digest.hexdigest(), total


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file, read in chunks."""
    with open(path, "rb") as stream:
        return sha256_of_stream(stream)[0]


def check_member_name(name: str) -> None:
    """Refuse a member name that could leave the target folder (zip-slip) or is not a plain path.

    Raises:
        InvalidInputError: For absolute paths, ``..`` parts, backslashes or drive letters.
    """
    path = PurePosixPath(name)
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or ":" in name
        or any(part in ("..", "") for part in name.rstrip("/").split("/"))
        or path.is_absolute()
    ):
        raise InvalidInputError(
            f"archive entry {name!r} would be written outside the model folder; the archive is refused "
            "and nothing was written (it was not made by thigh_export, or it was altered)"
        )


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    """Whether a zip entry is a symbolic link (Unix mode in the external attributes)."""
    return (info.external_attr >> 16) & 0o170000 == 0o120000


def read_manifest(archive: zipfile.ZipFile, source: str) -> dict[str, Any]:
    """Read and check the manifest of an open archive against its entries (no data read yet).

    Args:
        archive: The open zip file.
        source: The archive's path, for messages.

    Returns:
        The manifest.

    Raises:
        InvalidInputError: If the manifest is missing or unreadable, of a newer schema, or
            the entries differ from it (missing, extra, other sizes, unsafe names, links).
    """
    for info in archive.infolist():
        check_member_name(info.filename)
        if _is_symlink(info):
            raise InvalidInputError(
                f"{source}: entry {info.filename!r} is a symbolic link; refused, nothing was written"
            )
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except KeyError as error:
        raise InvalidInputError(
            f"{source}: no {MANIFEST}; not a model archive written by thigh_export"
        ) from error
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile) as error:
        raise InvalidInputError(f"{source}: {MANIFEST} is damaged ({error})") from error
    schema = manifest.get("schema") if isinstance(manifest, dict) else None
    if not isinstance(schema, int):
        raise InvalidInputError(f"{source}: {MANIFEST} has no integer 'schema'; not a thighseg model archive")
    if schema > SCHEMA:
        raise InvalidInputError(
            f"{source}: archive schema {schema} is newer than this thighseg reads ({SCHEMA}; made by "
            f"thighseg {manifest.get('thighseg_version', '?')}); upgrade thighseg to install it"
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise InvalidInputError(f"{source}: {MANIFEST} lists no files")
    entries = {info.filename: info for info in archive.infolist() if not info.is_dir()}
    missing = sorted(set(files) - set(entries))
    extra = sorted(set(entries) - set(files) - {MANIFEST})
    if missing or extra:
        raise InvalidInputError(
            f"{source}: the entries differ from {MANIFEST} (missing: {', '.join(missing) or 'none'}; "
            f"not listed: {', '.join(extra) or 'none'}); the archive is damaged or altered, nothing was written"
        )
    for name, record in files.items():
        if entries[name].file_size != record.get("size"):
            raise InvalidInputError(
                f"{source}: {name} is {entries[name].file_size} bytes, the manifest says {record.get('size')}; "
                "the archive is damaged or altered, nothing was written"
            )
    return manifest


def verify_member(archive: zipfile.ZipFile, name: str, record: dict[str, Any], source: str) -> None:
    """Check one member's checksum against the manifest.

    Raises:
        InvalidInputError: If the data are unreadable or their SHA-256 differs.
    """
    try:
        with archive.open(name) as stream:
            digest, _ = sha256_of_stream(stream, limit=int(record["size"]))
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise InvalidInputError(f"{source}: {name} cannot be read ({error}); nothing was written") from error
    if digest != record.get("sha256"):
        raise InvalidInputError(
            f"{source}: checksum of {name} differs from the manifest; the archive is damaged or altered, "
            "nothing was written"
        )
