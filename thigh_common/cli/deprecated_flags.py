"""Old spellings of flags that keep working for one release, with a warning that names the new flag.

A deprecated flag stores the value its replacement would, and notes the
deprecation on the parsed arguments; :func:`report_deprecations` (called by
:func:`thigh_common.cli.parse_arguments` once logging is set up) then emits a
``DeprecationWarning`` and logs a warning for each, so a user sees, e.g.::

    WARNING thighseg: --amp is deprecated and will be removed in the next release; use --precision auto

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="demo")
    >>> _ = parser.add_argument("--precision", default="auto")
    >>> add_deprecated_flag(parser, "--no-amp", dest="precision", value="fp32", instead="--precision fp32")
    >>> arguments = parser.parse_args(["--no-amp"])
    >>> arguments.precision, deprecations(arguments)
    ('fp32', ['--no-amp is deprecated and will be removed in the next release; use --precision fp32'])
"""

from __future__ import annotations

import argparse
import logging
import warnings
from collections.abc import Sequence
from typing import Any

logger = logging.getLogger("thighseg")

_NOTES = "_deprecated_flags"


class _DeprecatedFlag(argparse.Action):
    """Store a fixed value into the replacement's destination and note the old spelling."""

    def __init__(self, option_strings: Sequence[str], dest: str, instead: str, **kwargs: Any) -> None:
        self.instead = instead
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, self.const)
        notes = [*getattr(namespace, _NOTES, []), deprecation_message(option_string or "", self.instead)]
        setattr(namespace, _NOTES, notes)


def deprecation_message(old: str, instead: str) -> str:
    """The one message every deprecated spelling gives."""
    return f"{old} is deprecated and will be removed in the next release; use {instead}"


def add_deprecated_flag(
    parser: argparse.ArgumentParser, flag: str, dest: str, value: Any, instead: str
) -> None:
    """Add ``flag``, an old spelling that sets ``dest`` to ``value``, hidden from ``--help``.

    Args:
        parser: The command's parser.
        flag: The old flag, e.g. ``--amp``.
        dest: The destination of its replacement, e.g. ``precision``.
        value: What the old flag means in the replacement's terms.
        instead: What to type instead, for the warning, e.g. ``--precision auto``.
    """
    parser.add_argument(
        flag,
        action=_DeprecatedFlag,
        dest=dest,
        const=value,
        instead=instead,
        default=argparse.SUPPRESS,
        help=argparse.SUPPRESS,
    )


def deprecations(arguments: argparse.Namespace) -> list[str]:
    """The deprecation messages of the old spellings used in ``arguments``, in command-line order."""
    return list(getattr(arguments, _NOTES, []))


def report_deprecations(arguments: argparse.Namespace) -> None:
    """Warn (``DeprecationWarning``) and log a warning for each old spelling used in ``arguments``."""
    for message in deprecations(arguments):
        warnings.warn(message, DeprecationWarning, stacklevel=3)
        logger.warning("%s", message)
