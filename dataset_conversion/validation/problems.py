"""One problem found in a raw dataset, and how a list of them is printed.

Example:
    >>> problem = Problem("case_01", "labelsTr/case_01.nii.gz", "label values",
    ...                   expected="integers 0..10", found="11, 12")
    >>> problem.line()
    'labelsTr/case_01.nii.gz: label values: expected integers 0..10; found 11, 12'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

DATASET_GROUP = "dataset"


@dataclass(frozen=True)
class Problem:
    """Something in the dataset that does not match the raw dataset contract.

    Attributes:
        case: The case identifier, or ``""`` for dataset-level problems
            (``dataset.json``, missing folders).
        file: The file or folder concerned, relative to the dataset folder.
        check: Short name of the check that failed, e.g. ``"label values"``.
        expected: What the contract asks for.
        found: What is there instead.
        fix: What to do about it (optional).
    """

    case: str
    file: str
    check: str
    expected: str
    found: str
    fix: str = ""

    @property
    def group(self) -> str:
        """Heading under which the problem is listed: the case, or ``"dataset"``."""
        return self.case or DATASET_GROUP

    def line(self) -> str:
        """Return the problem as one line of text (without the case heading)."""
        text = f"{self.file}: {self.check}: expected {self.expected}; found {self.found}"
        return f"{text}. {self.fix}" if self.fix else text


@dataclass(frozen=True)
class Finding:
    """A problem not yet tied to a case and file (what a check on voxel values returns).

    Attributes:
        check: Short name of the check that failed.
        expected: What the contract asks for.
        found: What is there instead.
        fix: What to do about it.
    """

    check: str
    expected: str
    found: str
    fix: str = ""

    def at(self, case: str, file: str) -> Problem:
        """Return this finding as a :class:`Problem` of ``case`` in ``file``."""
        return Problem(case, file, self.check, expected=self.expected, found=self.found, fix=self.fix)


def group_problems(problems: Iterable[Problem]) -> dict[str, list[Problem]]:
    """Group problems by case: dataset-level first, then cases in sorted order.

    Args:
        problems: The problems in any order.

    Returns:
        Heading (case identifier or ``"dataset"``) to that heading's problems,
        in the order they were found.
    """
    groups: dict[str, list[Problem]] = {}
    for problem in problems:
        groups.setdefault(problem.group, []).append(problem)
    order = sorted(groups, key=lambda group: (group != DATASET_GROUP, group))
    return {group: groups[group] for group in order}


def format_problems(problems: Iterable[Problem]) -> str:
    """Format problems as an indented listing grouped per case."""
    lines = []
    for group, members in group_problems(problems).items():
        lines.append(f"  {group}:")
        lines.extend(f"    - {problem.line()}" for problem in members)
    return "\n".join(lines)
