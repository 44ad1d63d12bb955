"""Run a command's ``main(argv)`` in the test process and collect what a user would see.

Cheaper than a subprocess (no new interpreter, no second import of torch) and just as
real for argument handling and messages: stdout, stderr (argparse's usage errors,
progress bars) and the log records, formatted as the command's own log lines, are
collected as a :class:`subprocess.CompletedProcess` would hold them. Keep subprocesses
for the few end-to-end checks of the installed entry points.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
from collections.abc import Callable

from thigh_common.cli import LOG_FORMAT


@dataclasses.dataclass(frozen=True)
class CommandRun:
    """The outcome of one in-process run.

    Attributes:
        returncode: The exit code (``main``'s return value, or the code of a ``SystemExit``).
        stdout: What the command printed.
        stderr: What it wrote to stderr, then its log lines (INFO and up; DEBUG with ``-v``).
    """

    returncode: int
    stdout: str
    stderr: str


def _exit_code(error: SystemExit, stderr: io.StringIO) -> int:
    if error.code is None or isinstance(error.code, int):
        return error.code or 0
    print(error.code, file=stderr)
    return 1


def run_main(main: Callable[[list[str]], int], *arguments: object) -> CommandRun:
    """Call ``main([str(a) for a in arguments])`` and return its exit code and output."""
    argv = [str(argument) for argument in arguments]
    stdout, stderr, log = io.StringIO(), io.StringIO(), io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, datefmt="%H:%M:%S"))
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(handler)  # before main: its logging.basicConfig then adds no handler of its own
    root.setLevel(logging.DEBUG if {"-v", "--verbose"} & set(argv) else logging.INFO)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                code = main(argv)
            except SystemExit as error:
                code = _exit_code(error, stderr)
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)
    return CommandRun(code, stdout.getvalue(), stderr.getvalue() + log.getvalue())
