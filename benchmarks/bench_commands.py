"""Running thighseg's commands from the benchmark scripts, as a user would, with their output in a log.

The scripts import this module by name (they run as ``python benchmarks/bench_x.py``, which puts
this folder first on ``sys.path``).

Example:
    >>> done = run([command("thigh_plan"), "raw/Demo"], Path("bench.log"))  # doctest: +SKIP
    >>> done.seconds  # doctest: +SKIP
    12.3
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Completed:
    """How a command ended: its exit status and wall time in seconds."""

    returncode: int
    seconds: float


def command(name: str) -> str:
    """The path of a thighseg command beside this interpreter (the venv's ``bin``)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def run(arguments: list[str], log: Path, check: bool = True) -> Completed:
    """Run a command with its output appended to ``log``.

    Args:
        arguments: The command and its arguments.
        log: The log file the command's output is appended to (after a ``$ command`` line).
        check: Stop the benchmark when the command fails.

    Raises:
        SystemExit: When ``check`` and the command fails (the log's tail is printed).
    """
    started = time.perf_counter()
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(f"\n$ {' '.join(arguments)}\n")
        handle.flush()
        done = subprocess.run(arguments, stdout=handle, stderr=subprocess.STDOUT, check=False)
    if check and done.returncode != 0:
        tail = log.read_text(encoding="utf-8").splitlines()[-30:]
        raise SystemExit(f"{arguments[0]} failed (exit {done.returncode}); end of {log}:\n" + "\n".join(tail))
    return Completed(done.returncode, time.perf_counter() - started)
