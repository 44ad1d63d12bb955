"""Atomic file writing: write to a temporary name beside the target, then rename.

A crash never leaves a half-written file under the final name.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_json_atomic({"a": 1}, folder / "x.json")
    >>> (folder / "x.json").read_text().strip().startswith("{")
    True
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _current_umask() -> int:
    """The process umask (read by setting it and putting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
    suffix = "".join(target.suffixes) or ".tmp"
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=f".part{suffix}", dir=target.parent
    )
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
