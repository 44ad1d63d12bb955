"""The command-line layer every ``thigh_*`` command is built on.

- :mod:`~thigh_common.cli.common_flags`: ``-v``, ``--device``, ``--precision``, ``--workers``,
  ``-c/--configuration``, each defined once.
- :mod:`~thigh_common.cli.folder_flags`: ``--raw``, ``--preprocessed``, ``--results`` and the
  working folders they choose over ``THIGH_RAW``, ``THIGH_PREPROCESSED``, ``THIGH_RESULTS``.
- :mod:`~thigh_common.cli.deprecated_flags`: old spellings that still work, with a warning.
- :mod:`~thigh_common.cli.options_from_arguments`: a command's options dataclass from its arguments.
- :mod:`~thigh_common.cli.running`: logging, and errors reported as one line with exit code 2.

Nothing here imports more than the standard library and ``thigh_common``'s light modules, so
``--help`` stays instant. A command reads::

    def main(argv=None):
        arguments = parse_arguments(build_parser(), argv)
        return run_command(lambda: body(arguments))
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from thigh_common.cli.common_flags import (
    add_configuration,
    add_device,
    add_precision,
    add_verbose,
    add_workers,
    default_workers,
)
from thigh_common.cli.deprecated_flags import add_deprecated_flag, report_deprecations
from thigh_common.cli.folder_flags import add_folder_flags, check_output_under, working_folder_of
from thigh_common.cli.options_from_arguments import options_from_arguments
from thigh_common.cli.running import LOG_FORMAT, USER_ERROR_EXIT_CODE, run_command, setup_logging

__all__ = [
    "LOG_FORMAT",
    "USER_ERROR_EXIT_CODE",
    "add_configuration",
    "add_deprecated_flag",
    "add_device",
    "add_folder_flags",
    "add_precision",
    "add_verbose",
    "add_workers",
    "check_output_under",
    "default_workers",
    "options_from_arguments",
    "parse_arguments",
    "run_command",
    "setup_logging",
    "working_folder_of",
]


def parse_arguments(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``argv``, set up logging (``-v``: debug) and report the deprecated flags used.

    Args:
        parser: The command's parser; it must have ``-v`` (:func:`add_verbose`).
        argv: The arguments, without the program name; None for ``sys.argv[1:]``.

    Returns:
        The parsed arguments.
    """
    arguments = parser.parse_args(argv)
    setup_logging(arguments.verbose)
    report_deprecations(arguments)
    return arguments
