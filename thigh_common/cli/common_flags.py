"""The flags every command shares, each defined once: ``-v``, ``--device``, ``--precision``, ``--workers``.

A command adds the ones that apply to it (``--device`` and ``--precision`` where a
network runs, ``--workers`` where work is spread over processes); the flag, its
default, its help and the check of its value are the same in every command. The
checks run while the arguments are parsed, so a bad value stops the command with
argparse's usage line and one message, before anything heavy is imported.
``documentation/common_flags.md`` lists them for users.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="demo")
    >>> add_verbose(parser); add_device(parser); add_precision(parser); add_workers(parser, minimum=0)
    >>> arguments = parser.parse_args(["--device", "CUDA:1", "--precision", "bf16", "--workers", "0"])
    >>> arguments.device, arguments.precision, arguments.workers, arguments.verbose
    ('cuda:1', 'bf16', 0, False)
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable

DEVICE_HELP = "auto (default: cuda when a GPU is present, else cpu), cpu, cuda or cuda:N"
PRECISIONS: tuple[str, ...] = ("auto", "fp32", "bf16", "fp16")
PRECISION_HELP = (
    "auto (default: fp16 on CUDA, bf16 on a CPU with native bf16, fp32 elsewhere), fp32, bf16 or fp16; "
    "fp16 needs CUDA"
)
CONFIGURATION_HELP = "2d5 (three orientations, the paper's 2.5D method), 2d (axial only) or 3d"
_DEVICE_PATTERN = re.compile(r"auto|cpu|cuda(:\d+)?")


def default_workers() -> int:
    """The default of ``--workers`` in every command: ``min(4, number of CPUs)``."""
    return max(1, min(4, os.cpu_count() or 1))


def device_name(text: str) -> str:
    """Check a ``--device`` value and return it in lower case.

    Only the spelling is checked here; whether the device exists is decided when the
    command resolves it (``thigh_networks.precision.resolve_device``).

    Raises:
        argparse.ArgumentTypeError: For anything but ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
    """
    name = text.strip().lower()
    if not _DEVICE_PATTERN.fullmatch(name):
        raise argparse.ArgumentTypeError(f"unknown device {text!r}; use cpu, cuda, cuda:N or auto")
    return name


def precision_name(text: str) -> str:
    """Check a ``--precision`` value and return it in lower case.

    Raises:
        argparse.ArgumentTypeError: For a name not in :data:`PRECISIONS`.
    """
    name = text.strip().lower()
    if name not in PRECISIONS:
        raise argparse.ArgumentTypeError(f"unknown precision {text!r}; use {', '.join(PRECISIONS)}")
    return name


def count_of_at_least(minimum: int) -> Callable[[str], int]:
    """A parser of whole numbers of at least ``minimum``, for argparse's ``type``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def add_verbose(parser: argparse.ArgumentParser) -> None:
    """Add ``-v/--verbose``: debug logging."""
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def add_device(parser: argparse.ArgumentParser) -> None:
    """Add ``--device`` (default ``auto``)."""
    parser.add_argument("--device", type=device_name, default="auto", metavar="DEVICE", help=DEVICE_HELP)


def add_precision(parser: argparse.ArgumentParser, note: str = "") -> None:
    """Add ``--precision`` (default ``auto``); ``note`` says what it covers in this command."""
    parser.add_argument(
        "--precision",
        type=precision_name,
        default="auto",
        metavar="{" + ",".join(PRECISIONS) + "}",
        help=PRECISION_HELP + (f"; {note}" if note else ""),
    )


def add_workers(parser: argparse.ArgumentParser, minimum: int = 1, what: str = "") -> None:
    """Add ``--workers N``, worker processes, default :func:`default_workers`.

    Args:
        parser: The command's parser.
        minimum: 1, or 0 for a command that can do the work in its own process.
        what: What the workers do in this command, for the help.
    """
    zero = "; 0: in the command's own process" if minimum == 0 else ""
    parser.add_argument(
        "--workers",
        type=count_of_at_least(minimum),
        default=default_workers(),
        metavar="N",
        help=f"worker processes{f' that {what}' if what else ''} (default: min(4, CPUs), here "
        f"{default_workers()}{zero})",
    )


def add_configuration(
    parser: argparse.ArgumentParser, default: str | None = "2d5", dest: str = "configuration", note: str = ""
) -> None:
    """Add ``-c/--configuration CONFIG``; its value is checked where the model is looked up.

    Args:
        parser: The command's parser.
        default: The configuration without ``-c`` (None: no default).
        dest: Where the value goes (``thigh_train`` merges it with its positional CONFIG).
        note: When or how the command uses it, for the help (``"with --cv"``).
    """
    shown = f" (default {default})" if default else ""
    parser.add_argument(
        "-c",
        "--configuration",
        dest=dest,
        default=default,
        metavar="CONFIG",
        help=CONFIGURATION_HELP + shown + (f"; {note}" if note else ""),
    )
