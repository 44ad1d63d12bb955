"""Collect the scans that failed during a cohort run, and report them at the end.

A failure of one scan must not stop the others: the caller records it and goes
on. A user error (:class:`~thigh_common.errors.ThighSegError`) is reported with
its message; an unexpected exception with its type and message, and its
traceback goes to the debug log (``-v``).

Example:
    >>> log = FailureLog()
    >>> with log.guard("case_01"):
    ...     raise ValueError("bad")
    >>> log.exit_code
    1
    >>> print(log.report())
    0 scan(s) done, 1 failed:
      case_01: unexpected error ValueError: bad (run with -v for the traceback)
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from thigh_common.errors import ThighSegError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """One scan that failed.

    Attributes:
        case_id: The scan.
        reason: What went wrong, one line or a few.
        user_error: True for a problem with the input (a ``ThighSegError``).
    """

    case_id: str
    reason: str
    user_error: bool


class FailedInWorker(Exception):  # noqa: N818 - it stands for the worker's exception
    """A scan's failure in a worker process, carried to the parent as its description."""

    def __init__(self, reason: str, user_error: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.user_error = user_error


def describe_error(error: BaseException) -> str:
    """The reason shown for ``error``: a user error's message, else its type and message."""
    if isinstance(error, FailedInWorker):
        return error.reason
    if isinstance(error, ThighSegError):
        return str(error)
    message = str(error) or "(no message)"
    return f"unexpected error {type(error).__name__}: {message} (run with -v for the traceback)"


class FailureLog:
    """The failures (and the count of successes) of a run over many scans."""

    def __init__(self) -> None:
        self.failures: list[Failure] = []
        self.succeeded: list[str] = []

    def record(self, case_id: str, error: Exception) -> None:
        """Record that ``case_id`` failed with ``error`` and log it (traceback at debug level if unexpected)."""
        user_error = (
            error.user_error if isinstance(error, FailedInWorker) else isinstance(error, ThighSegError)
        )
        failure = Failure(case_id, describe_error(error), user_error)
        self.failures.append(failure)
        logger.error("%s: failed: %s", case_id, failure.reason)
        if not user_error and not isinstance(error, FailedInWorker):  # the worker logged its traceback
            logger.debug("%s: traceback", case_id, exc_info=(type(error), error, error.__traceback__))

    def record_success(self, case_id: str) -> None:
        """Record that ``case_id`` was done."""
        self.succeeded.append(case_id)

    @contextlib.contextmanager
    def guard(self, case_id: str) -> Iterator[None]:
        """Run a block for one scan: an ``Exception`` is recorded (not raised), success is counted.

        ``KeyboardInterrupt`` and ``SystemExit`` still stop the run.
        """
        try:
            yield
        except Exception as error:  # noqa: BLE001 - one bad scan must not stop the cohort
            self.record(case_id, error)
        else:
            self.record_success(case_id)

    @property
    def exit_code(self) -> int:
        """0 when nothing failed, else 1."""
        return 1 if self.failures else 0

    def report(self) -> str:
        """Every failure with its reason, after a count line; a short line when all went well."""
        done = len(self.succeeded)
        if not self.failures:
            return f"{done} scan(s) done, none failed"
        lines = [f"{done} scan(s) done, {len(self.failures)} failed:"]
        for failure in self.failures:
            reason = failure.reason.replace("\n", "\n    ")
            lines.append(f"  {failure.case_id}: {reason}")
        return "\n".join(lines)
