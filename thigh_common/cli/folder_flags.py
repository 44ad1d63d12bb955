"""The working-folder flags ``--raw``, ``--preprocessed`` and ``--results``, and the folders they choose.

Each flag overrides its environment variable (``THIGH_RAW``, ``THIGH_PREPROCESSED``,
``THIGH_RESULTS``), which overrides the default under ``~/thighseg_data``
(:func:`thigh_common.paths.working_folder` decides). Every command names the flag
and the variable the same way, in its help and in its error messages.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="demo")
    >>> add_folder_flags(parser, "results")
    >>> working_folder_of(parser.parse_args(["--results", "/data/results"]), "results")
    PosixPath('/data/results')
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

from thigh_common.output_paths import check_output_folder
from thigh_common.paths import FOLDER_VARIABLES, working_folder


@dataclasses.dataclass(frozen=True)
class FolderFlag:
    """One working-folder flag.

    Attributes:
        flag: The command-line flag, e.g. ``--results``.
        variable: The environment variable it overrides, e.g. ``THIGH_RESULTS``.
        holds: What the folder holds, for the help.
    """

    flag: str
    variable: str
    holds: str

    @property
    def help(self) -> str:
        """The flag's help: what the folder holds and where it comes from without the flag."""
        default = f"~/thighseg_data/{FOLDER_VARIABLES[self.variable]}"
        return f"{self.holds} (default: ${self.variable}, else {default})"


FOLDER_FLAGS: dict[str, FolderFlag] = {
    "raw": FolderFlag("--raw", "THIGH_RAW", "raw datasets folder"),
    "preprocessed": FolderFlag("--preprocessed", "THIGH_PREPROCESSED", "preprocessed datasets folder"),
    "results": FolderFlag("--results", "THIGH_RESULTS", "trained models folder"),
}
"""The flags by the argparse destination they fill (``arguments.raw`` ...)."""


def add_folder_flags(parser: argparse.ArgumentParser, *names: str) -> None:
    """Add the working-folder flags ``names`` (``raw``, ``preprocessed``, ``results``) to ``parser``."""
    for name in names:
        flag = FOLDER_FLAGS[name]
        parser.add_argument(flag.flag, dest=name, type=Path, metavar="DIR", help=flag.help)


def working_folder_of(arguments: argparse.Namespace, name: str) -> Path:
    """The working folder ``name`` for these arguments: the flag, else the variable, else the default."""
    return working_folder(FOLDER_FLAGS[name].variable, getattr(arguments, name))


def check_output_under(folder: str | os.PathLike[str], name: str) -> Path:
    """Check that ``folder``, an output below working folder ``name``, can be written.

    A wrapper of :func:`thigh_common.output_paths.check_output_folder` whose message names
    the flag and the variable that choose ``name`` (``--results (or THIGH_RESULTS)``).

    Raises:
        ThighSegError: If the folder cannot be written or created.
    """
    flag = FOLDER_FLAGS[name]
    return check_output_folder(folder, flag.flag, flag.variable)
