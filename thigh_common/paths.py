"""Working folders: ``THIGH_RAW``, ``THIGH_PREPROCESSED``, ``THIGH_RESULTS`` and ``THIGH_MODELS``.

Each comes from its environment variable, else from a default under
``~/thighseg_data``; every command also takes a flag that overrides it.
"""

from __future__ import annotations

import os
from pathlib import Path

from thigh_common.errors import InvalidInputError

DEFAULT_ROOT = Path.home() / "thighseg_data"
FOLDER_VARIABLES: dict[str, str] = {
    "THIGH_RAW": "raw",
    "THIGH_PREPROCESSED": "preprocessed",
    "THIGH_RESULTS": "results",
    "THIGH_MODELS": "models",
}


def working_folder(variable: str, override: str | os.PathLike[str] | None = None) -> Path:
    """Return the working folder named by ``variable``.

    Args:
        variable: One of ``THIGH_RAW``, ``THIGH_PREPROCESSED``, ``THIGH_RESULTS``, ``THIGH_MODELS``.
        override: A folder given on the command line; wins over the environment.

    Returns:
        The folder (not created).
    """
    if variable not in FOLDER_VARIABLES:
        raise ValueError(f"unknown working folder variable {variable!r}")
    if override is not None:
        return Path(override).expanduser()
    from_environment = os.environ.get(variable)
    if from_environment:
        return Path(from_environment).expanduser()
    return DEFAULT_ROOT / FOLDER_VARIABLES[variable]


def resolve_raw_dataset(
    dataset: str | os.PathLike[str], raw_root: str | os.PathLike[str] | None = None
) -> Path:
    """Resolve a dataset given as a folder path or as a name under ``THIGH_RAW``.

    Args:
        dataset: A dataset folder, or the name of one under ``THIGH_RAW``.
        raw_root: The ``--raw`` folder; overrides ``THIGH_RAW``.

    Returns:
        The dataset folder.

    Raises:
        InvalidInputError: If neither the path nor ``THIGH_RAW/dataset`` is a folder. The
            message names each place looked at once (an absolute path is only itself).
    """
    candidate = Path(dataset).expanduser()
    if candidate.is_dir():
        return candidate
    under_raw = working_folder("THIGH_RAW", raw_root) / candidate
    if under_raw.is_dir():
        return under_raw
    looked_at = (
        f"{under_raw} is not a folder"
        if under_raw.absolute() == candidate.absolute()
        else f"neither {candidate} nor {under_raw} is a folder"
    )
    raise InvalidInputError(
        f"dataset {dataset!r} not found: {looked_at}. "
        "Give a dataset folder path, or a name under THIGH_RAW (set THIGH_RAW or pass --raw)."
    )
