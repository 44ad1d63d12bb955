"""Split a cohort between several jobs (SLURM array tasks, GPUs) without overlap.

Items are sorted by case id and dealt round-robin: part ``k`` of ``n`` gets the
items at positions ``k, k + n, k + 2n, ...``. Every item lands in exactly one
part, whatever order the items came in, so ``--num-parts N --part-id K`` on N
jobs covers the cohort once.

Example:
    >>> select_part(["c", "a", "d", "b", "e"], num_parts=2, part_id=0)
    ['a', 'c', 'e']
    >>> select_part(["c", "a", "d", "b", "e"], num_parts=2, part_id=1)
    ['b', 'd']
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from thigh_common.errors import InvalidInputError

logger = logging.getLogger(__name__)

T = TypeVar("T")


def case_id_of(item: object) -> str:
    """The sort key of an item: its ``case_id`` attribute (e.g. a ``ScanInput``), else ``str(item)``."""
    return str(getattr(item, "case_id", item))


def check_part(num_parts: int, part_id: int) -> None:
    """Check ``--num-parts N --part-id K``: N >= 1 and 0 <= K < N.

    Raises:
        InvalidInputError: With the flag names and the values found.
    """
    if isinstance(num_parts, bool) or not isinstance(num_parts, int) or num_parts < 1:
        raise InvalidInputError(f"--num-parts must be a whole number of at least 1; got {num_parts!r}")
    if isinstance(part_id, bool) or not isinstance(part_id, int) or not 0 <= part_id < num_parts:
        raise InvalidInputError(
            f"--part-id must be a whole number from 0 to {num_parts - 1} (with --num-parts {num_parts}); "
            f"got {part_id!r}"
        )


def select_part(
    items: Iterable[T], num_parts: int, part_id: int, key: Callable[[T], str] = case_id_of
) -> list[T]:
    """Return part ``part_id`` of ``num_parts`` of ``items``, dealt round-robin by case id.

    Args:
        items: The scans (or any items with a case id).
        num_parts: Number of jobs sharing the cohort (>= 1).
        part_id: This job's part, 0 .. num_parts - 1.
        key: The case id of an item (ties keep the input order).

    Returns:
        This part's items, sorted by case id; empty when there are more parts than items.

    Raises:
        InvalidInputError: If ``num_parts`` or ``part_id`` is out of range.
    """
    check_part(num_parts, part_id)
    ordered = sorted(items, key=key)
    part = ordered[part_id::num_parts]
    if num_parts > 1:
        logger.info("part %d of %d: %d of %d scan(s)", part_id, num_parts, len(part), len(ordered))
    return part
