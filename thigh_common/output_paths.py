"""Check, before any work, that a command can write its output folder.

``thigh_predict`` (``-o``), ``thigh_plan`` (``--preprocessed``) and ``thigh_train``
(``--results``) call :func:`check_output_folder` before they read a model or a
dataset, so an unusable output path (an existing file, a folder that cannot be
written, a missing folder whose parent cannot be written) ends in one line
saying what to do instead of a traceback after the work is done.

Writability is probed by creating (and removing) a temporary file, not only by
``os.access``: as root ``os.access`` says yes to a folder of mode 000, and it
knows nothing of read-only file systems.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "predictions"
    >>> check_output_folder(folder, "-o") == folder
    True
    >>> folder.exists()  # nothing is created
    False
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from thigh_common.errors import ThighSegError

logger = logging.getLogger(__name__)

PROBE_PREFIX = ".thighseg-write-test-"


def _write_problem(folder: Path) -> str | None:
    """Why no file can be created in the existing folder ``folder``, or None when one can."""
    try:
        handle, name = tempfile.mkstemp(prefix=PROBE_PREFIX, dir=folder)
    except OSError as error:
        return error.strerror or str(error)
    os.close(handle)
    os.unlink(name)
    return None


def _nearest_existing(path: Path) -> Path:
    """``path`` itself when it exists (a broken symbolic link counts), else its nearest existing parent."""
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(path.anchor)


def _not_a_folder(path: Path) -> str:
    if path.is_file():
        return "is an existing file, not a folder"
    if path.is_symlink() and not path.exists():
        return "is a broken symbolic link, not a folder"
    return "exists but is not a folder"


def check_output_folder(folder: str | os.PathLike[str], option: str, variable: str | None = None) -> Path:
    """Check that ``folder`` is, or can be created as, a folder this process can write into.

    Nothing is created: a missing folder is checked through its nearest existing parent.
    Symbolic links are followed and relative paths are taken from the working folder.

    Args:
        folder: The output folder the command will write.
        option: The command-line option that chooses it, for the message (``"-o"``).
        variable: The environment variable that also chooses it, if any (``"THIGH_RESULTS"``).

    Returns:
        ``folder`` as a :class:`~pathlib.Path` (``~`` expanded).

    Raises:
        ThighSegError: If ``folder`` or one of its parents exists but is not a folder, if
            ``folder`` exists and cannot be written, or if it is missing and its nearest
            existing parent cannot be written. The message names the path and what to do.
    """
    folder = Path(folder).expanduser()
    chooser = f"{option} (or {variable})" if variable else option
    remedy = f"choose another output folder with {chooser}"
    absolute = folder.absolute()
    existing = _nearest_existing(absolute)
    if existing == absolute:
        if not folder.is_dir():
            raise ThighSegError(f"{folder}: the output folder {_not_a_folder(folder)}; {remedy}")
        problem = _write_problem(folder)
        if problem:
            raise ThighSegError(
                f"{folder}: the output folder cannot be written ({problem}); make it writable or {remedy}"
            )
        return folder
    if not existing.is_dir():
        raise ThighSegError(
            f"{folder}: the output folder cannot be created because {existing} {_not_a_folder(existing)}; "
            f"{remedy}"
        )
    problem = _write_problem(existing)
    if problem:
        raise ThighSegError(
            f"{folder}: the output folder cannot be created because {existing} cannot be written "
            f"({problem}); {remedy}"
        )
    logger.debug("output folder %s will be created in %s", folder, existing)
    return folder
