"""Exceptions whose message is meant for the user of a command."""

from __future__ import annotations


class ThighSegError(Exception):
    """A problem the user can fix; its message says what was expected, found and what to do.

    Command-line entry points catch it, log the message without a traceback and
    exit with status 2.
    """


class InvalidInputError(ThighSegError):
    """An input file, folder or argument is not what the command needs."""
