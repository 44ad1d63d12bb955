"""Running a command: logging to stderr, and user-facing errors as one log line with exit code 2."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from thigh_common.errors import ThighSegError

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
USER_ERROR_EXIT_CODE = 2


def setup_logging(verbose: bool = False) -> None:
    """Send log records to stderr, INFO by default and DEBUG when ``verbose``."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, format=LOG_FORMAT, datefmt="%H:%M:%S"
    )


def run_command(main: Callable[[], int | None]) -> int:
    """Run a command body; report a :class:`ThighSegError` as one log line and return its exit code.

    Args:
        main: The body of the command; returns an exit code or None for success.

    Returns:
        The exit code for ``sys.exit``.
    """
    try:
        code = main()
    except ThighSegError as error:
        logging.getLogger("thighseg").error("%s", error)
        return USER_ERROR_EXIT_CODE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0 if code is None else int(code)
