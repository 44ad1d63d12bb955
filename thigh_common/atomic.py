"""Atomic file writing: write to a temporary name beside the target, then rename.

A crash never leaves a half-written file under the final name. A process killed while
writing (SIGKILL, out of memory) leaves its temporary file behind, hidden (its name starts
with a dot); :func:`remove_stale_temporaries` clears such leftovers when the work is resumed.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_json_atomic({"a": 1}, folder / "x.json")
    >>> (folder / "x.json").read_text().strip().startswith("{")
    True
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


def _current_umask() -> int:
    """The process umask (read by setting it and putting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


_TEMPORARY_NAME = re.compile(r"\..+\.[a-z0-9_]+\.part(\..*)?")
"""What a temporary name of :func:`atomic_path` looks like: ``.NAME.RANDOM.part.SUFFIX``."""


def _temporary_parts(target: Path) -> tuple[str, str]:
    """The prefix and suffix of the temporary names :func:`atomic_path` gives ``target``."""
    suffix = "".join(target.suffixes) or ".tmp"
    return f".{target.name}.", f".part{suffix}"


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it to ``target`` on success.

    The temporary name keeps the full suffix of the target (``.nii.gz``) so that
    writers which pick the format by extension still work. On an exception the
    temporary file is removed and the target is left untouched.

    Args:
        target: Final path of the file.

    Yields:
        The temporary path to write to.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix, suffix = _temporary_parts(target)
    handle, temporary = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=target.parent)
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        os.chmod(temporary_path, 0o666 & ~_current_umask())
        os.replace(temporary_path, target)
    finally:
        if temporary_path.exists():
            temporary_path.unlink()


def write_text_atomic(text: str, target: str | os.PathLike[str]) -> None:
    """Write ``text`` to ``target`` atomically (UTF-8)."""
    with atomic_path(target) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_json_atomic(data: Any, target: str | os.PathLike[str]) -> None:
    """Write ``data`` as indented JSON to ``target`` atomically."""
    write_text_atomic(json.dumps(data, indent=2, sort_keys=False) + "\n", target)


def remove_stale_temporaries(
    folder: str | os.PathLike[str], names: Iterable[str] | None = None
) -> list[Path]:
    """Delete the temporary files that killed writers of files in ``folder`` left behind.

    Only call it where no other process is writing these targets (the process resuming
    the work that was killed): a live writer's temporary file looks the same.

    Args:
        folder: The folder of the targets.
        names: File names of the targets (``checkpoint_latest.pt``, ``case_01.nii.gz``);
            None: every temporary file :func:`atomic_path` may have made in ``folder``.

    Returns:
        The files removed.
    """
    folder = Path(folder)
    if names is None:
        found = [path for path in folder.glob(".*.part*") if _TEMPORARY_NAME.fullmatch(path.name)]
    else:
        found = []
        for name in names:
            prefix, suffix = _temporary_parts(folder / name)
            found += folder.glob(f"{glob.escape(prefix)}*{glob.escape(suffix)}")
    removed = []
    for path in found:
        if path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
