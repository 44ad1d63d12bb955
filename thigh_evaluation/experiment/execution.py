"""Run one step's command: its output goes to the console and to a log file as it comes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from thigh_common.errors import ThighSegError
from thigh_evaluation.experiment.steps import Step

TAIL_LINES = 5


class StepFailedError(ThighSegError):
    """A command of the experiment exited with an error; the message names it and its log."""


def run_step(step: Step, log_path: Path, echo: bool = True) -> float:
    """Run ``step``, copying its output (stdout and stderr) to ``log_path`` and, if ``echo``, to stderr.

    Returns:
        Wall time in seconds.

    Raises:
        StepFailedError: If the command exits with a non-zero status.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(log_path, "wb") as log:
        log.write(f"$ {step.shown}\n".encode())
        log.flush()
        # Unbuffered, so that a long step's progress shows while it runs, not when it ends.
        environment = dict(os.environ, PYTHONUNBUFFERED="1")
        process = subprocess.Popen(
            step.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment
        )
        assert process.stdout is not None
        while chunk := os.read(process.stdout.fileno(), 1 << 14):
            log.write(chunk)
            log.flush()
            if echo:
                sys.stderr.buffer.write(chunk)
                sys.stderr.flush()
        status = process.wait()
    if status != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-TAIL_LINES:]
        raise StepFailedError(
            f"step '{step.name}' failed with exit status {status}; its log is {log_path}. Last lines:\n  "
            + "\n  ".join(tail)
        )
    return time.perf_counter() - started
