"""The follow-up page of a report: ``thigh_report --followup DIR`` takes in the output of ``thigh_followup``.

The page (``followup.md``), its table (``followup.csv``) and the subjects' figures
(``SUBJECT_change.png``) are copied into the report's ``followup/`` folder; the page
becomes ``followup/index.md`` and ``followup/index.html``, and the report's index gets a
"Follow-up" section that links them.

Example:
    >>> files = followup_files(Path("change"))  # doctest: +SKIP
    >>> section(Path("change")).splitlines()[1]  # doctest: +SKIP
    '## Follow-up'
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from thigh_common.errors import InvalidInputError
from thigh_inference.followup.figure import FIGURE_SUFFIX, flagged
from thigh_inference.followup.run import COHORT_TABLE as TABLE
from thigh_inference.followup.run import PAGE

FOLDER = "followup"
"""The report's subfolder that holds the follow-up page."""
FIGURES = f"*{FIGURE_SUFFIX}"
"""The subjects' figures that ``thigh_followup`` writes beside its page and table."""
MANAGED: tuple[str, ...] = ("index.md", "index.html", TABLE, FIGURES)
"""The files a report writes into :data:`FOLDER` (an earlier report's others are removed)."""


def check_followup(source: Path) -> None:
    """Refuse a folder that is not the output of ``thigh_followup``.

    Raises:
        InvalidInputError: Naming the missing file.
    """
    if not source.is_dir():
        raise InvalidInputError(
            f"--followup {source}: no such folder; give the output folder of thigh_followup"
        )
    for name in (PAGE, TABLE):
        if not (source / name).is_file():
            raise InvalidInputError(
                f"--followup {source}: no {name}; give the output folder of thigh_followup (-o)"
            )


def followup_files(source: Path) -> list[tuple[Path, str]]:
    """The table and figures to copy: ``(source file, target relative to the report)``."""
    figures = sorted(source.glob(FIGURES))
    return [(source / TABLE, f"{FOLDER}/{TABLE}")] + [(path, f"{FOLDER}/{path.name}") for path in figures]


def followup_page(source: Path) -> str:
    """The follow-up page as the report shows it: ``followup.md`` under a link back to the report."""
    return "[back to the report](../index.html)\n\n" + (source / PAGE).read_text(encoding="utf-8")


def section(source: Path) -> str:
    """The "Follow-up" section of the report's index."""
    table = pd.read_csv(source / TABLE)
    subjects = table["subject"].nunique() if len(table) else 0
    to_check = table.loc[flagged(table), "subject"].nunique() if len(table) else 0
    return (
        "\n## Follow-up\n\n"
        f"{subjects} subject(s) compared between two time points by thigh_followup "
        f"({to_check} with muscles to check): volume, mean HU and fat fraction per leg, muscle and "
        f"group, and their change. [The follow-up page]({FOLDER}/index.html) ([Markdown]({FOLDER}/index.md)) "
        f"shows each subject's figure; the table is [{FOLDER}/{TABLE}]({FOLDER}/{TABLE}).\n"
    )
