"""The error raised for a plans file or plans request that cannot be used."""

from __future__ import annotations

from thigh_common.errors import ThighSegError


class PlansError(ThighSegError):
    """A plans file is missing, malformed, too new or holds invalid values.

    The message names every problem with its field path (for example
    ``configurations.2d5.training.learning_rate``), what was expected and what
    to do about it.
    """
