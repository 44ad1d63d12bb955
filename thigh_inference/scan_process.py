"""Predict scans in a child process with a time limit, so that one scan cannot end the cohort.

With ``thigh_predict --scan-timeout-minutes M`` a worker process (multiprocessing, spawn)
loads the model once and predicts the scans the parent sends it, one at a time. A scan
that takes longer than M minutes gets the worker killed and is recorded as failed; a
worker that dies (the out-of-memory killer sends SIGKILL) has its scan recorded as
failed too. Either way the next scan goes to a fresh worker, which loads the model again.

Example:
    >>> source = ModelSource(Path("results/Dataset001/2d5"), None, torch.device("cpu"))  # doctest: +SKIP
    >>> with ScanWorker(source, options, timeout_seconds=600, predict=predict_one) as worker:  # doctest: +SKIP
    ...     worker.predict(scan)  # seconds per step, or raises ScanStoppedError
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from thigh_common.errors import InvalidInputError, ThighSegError
from thigh_inference.failures import FailedInWorker, describe_error

if TYPE_CHECKING:
    from thigh_inference.inputs import ScanInput
    from thigh_inference.predict_options import PredictOptions
    from thigh_inference.trained_model import TrainedModel

logger = logging.getLogger(__name__)

PredictFunction = Callable[["ScanInput", "TrainedModel", "PredictOptions"], dict[str, float]]
"""Predicts one scan and writes its outputs; returns the seconds per step (``predict_one``)."""


@dataclass(frozen=True)
class ModelSource:
    """Where a trained model comes from: what a worker process needs to load it itself."""

    folder: Path
    folds: list[str] | None
    device: torch.device
    backend: str = "torch"
    int8: bool = False

    def load(self) -> TrainedModel:
        """Load the model (see :func:`thigh_inference.trained_model.load_model`)."""
        from thigh_inference.trained_model import load_model

        return load_model(self.folder, self.folds, self.device, self.backend, self.int8)


class ScanStoppedError(ThighSegError):
    """A scan whose prediction ran past its time limit, or whose process died."""


def check_scan_timeout(minutes: float | None) -> None:
    """Check ``--scan-timeout-minutes``: None (no limit) or a positive number.

    Raises:
        InvalidInputError: With the value found.
    """
    if minutes is not None and not minutes > 0:
        raise InvalidInputError(
            f"--scan-timeout-minutes must be a positive number of minutes; got {minutes:g}"
        )


def _serve(
    connection: Connection,
    source: ModelSource,
    options: PredictOptions,
    predict: PredictFunction,
    log_level: int,
) -> None:
    """The worker: load the model, then predict every scan received until ``None`` or the pipe closes."""
    from thigh_common.cli import setup_logging

    setup_logging(verbose=log_level <= logging.DEBUG)
    try:
        model = source.load()
    except Exception as error:  # noqa: BLE001 - reported to the parent, which stops the cohort
        connection.send(("load_failed", describe_error(error), isinstance(error, ThighSegError)))
        return
    connection.send(("ready", None, None))
    while True:
        try:
            scan = connection.recv()
        except EOFError:  # the parent is gone
            return
        if scan is None:
            return
        try:
            seconds = predict(scan, model, options)
        except Exception as error:  # noqa: BLE001 - one bad scan must not stop the cohort
            if not isinstance(error, ThighSegError):
                logger.debug("%s: traceback", scan.case_id, exc_info=True)
            connection.send(("failed", describe_error(error), isinstance(error, ThighSegError)))
        else:
            connection.send(("done", seconds, None))


def death_reason(exit_code: int | None) -> str:
    """Why a worker process ended, from its exit code (negative: killed by that signal)."""
    if exit_code is not None and exit_code < 0:
        name = signal.Signals(-exit_code).name if -exit_code in signal.valid_signals() else str(-exit_code)
        if -exit_code == signal.SIGKILL:
            return (
                "the process predicting it was killed (SIGKILL: out of memory? the kernel log, dmesg, says); "
                "predict it alone, or on a machine with more memory"
            )
        return f"the process predicting it was killed by {name}"
    return f"the process predicting it ended unexpectedly (exit status {exit_code})"


class ScanWorker:
    """A child process that predicts one scan at a time under a time limit, restarted after a failure."""

    def __init__(
        self,
        source: ModelSource,
        options: PredictOptions,
        timeout_seconds: float,
        predict: PredictFunction,
    ) -> None:
        """Prepare a worker (started by the first :meth:`predict`).

        Args:
            source: The model the worker loads.
            options: What ``thigh_predict`` was asked to do.
            timeout_seconds: Time limit of one scan (loading the model is not counted).
            predict: What predicts one scan in the worker (:func:`thigh_inference.predict_run.predict_one`,
                or a stand-in in tests); a module-level function, as it is pickled.
        """
        self.source = source
        self.options = options
        self.timeout_seconds = timeout_seconds
        self.predict_function = predict
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None

    def __enter__(self) -> ScanWorker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _start(self) -> None:
        """Start a worker and wait until its model is loaded.

        Raises:
            InvalidInputError: If the model cannot be loaded (its message); the cohort stops.
        """
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe()
        level = logging.getLogger().getEffectiveLevel()
        process = context.Process(
            target=_serve,
            args=(child_end, self.source, self.options, self.predict_function, level),
            name="thigh_predict scan worker",
            daemon=True,
        )
        process.start()
        child_end.close()
        self._process, self._connection = process, parent_end
        try:
            kind, value, _ = parent_end.recv()
        except EOFError:
            process.join()
            self.close()
            raise InvalidInputError(
                f"the model could not be loaded: {death_reason(process.exitcode)}"
            ) from None
        if kind == "load_failed":
            self.close()
            raise InvalidInputError(value)

    def predict(self, scan: ScanInput) -> dict[str, float]:
        """Predict ``scan`` in the worker and return its seconds per step.

        Raises:
            ScanStoppedError: If the scan ran past the time limit or its process died.
            FailedInWorker: If predicting raised an exception in the worker (its description).
            InvalidInputError: If a new worker cannot load the model.
        """
        if self._process is None:
            self._start()
        assert self._connection is not None and self._process is not None
        started = time.monotonic()
        self._connection.send(scan)
        try:
            finished = self._connection.poll(self.timeout_seconds)
            message = self._connection.recv() if finished else None
        except EOFError:
            self._process.join()
            reason = death_reason(self._process.exitcode)
            self.close()
            raise ScanStoppedError(reason) from None
        if message is None:
            self.close(kill=True)
            minutes = self.timeout_seconds / 60.0
            raise ScanStoppedError(
                f"stopped after {time.monotonic() - started:.0f} s: longer than --scan-timeout-minutes "
                f"{minutes:g}; the scan may make the prediction hang, or need more time (raise the limit)"
            )
        kind, value, user_error = message
        if kind == "failed":
            raise FailedInWorker(value, bool(user_error))
        return value

    def close(self, kill: bool = False) -> None:
        """Stop the worker: asked to finish (killed if it does not within 2 s), or killed at once."""
        process, connection = self._process, self._connection
        self._process = self._connection = None
        if process is None or connection is None:
            return
        if process.is_alive() and not kill:
            with contextlib.suppress(OSError):
                connection.send(None)
            process.join(timeout=2.0)
        if process.is_alive():
            process.kill()
            process.join()
        connection.close()
