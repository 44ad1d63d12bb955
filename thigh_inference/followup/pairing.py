"""Which baseline scan goes with which follow-up scan: a pairing CSV, or the same case name in both runs.

The pairing file has the columns ``subject,baseline,followup`` (case names of the two
runs) and optionally ``baseline_date,followup_date`` (``YYYY-MM-DD`` or ``YYYYMMDD``),
from which the interval in days is computed. Without a file, a case name found in
both runs is one subject (its name is the subject); a case found in one run only is
a subject with one scan, reported, not compared.

Example:
    >>> pairs, problems = pairs_by_name({"p1", "p2"}, {"p1", "p3"})
    >>> [p.subject for p in pairs], problems
    (['p1'], {'p2': 'only a baseline scan (p2); no follow-up case of that name', 'p3': 'only a follow-up scan (p3); no baseline case of that name'})
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from thigh_common.errors import InvalidInputError

REQUIRED_COLUMNS = ("subject", "baseline", "followup")
DATE_COLUMNS = ("baseline_date", "followup_date")


@dataclass(frozen=True)
class Pair:
    """One subject's two scans.

    Attributes:
        subject: The subject's name in the outputs.
        baseline: Case name of the baseline scan in the baseline run.
        followup: Case name of the follow-up scan in the follow-up run.
        baseline_date: The baseline scan's date, when known.
        followup_date: The follow-up scan's date, when known.
    """

    subject: str
    baseline: str
    followup: str
    baseline_date: dt.date | None = None
    followup_date: dt.date | None = None

    @property
    def interval_days(self) -> int | None:
        """Days from baseline to follow-up (None when a date is unknown)."""
        if self.baseline_date is None or self.followup_date is None:
            return None
        return (self.followup_date - self.baseline_date).days


def parse_date(text: object, where: str) -> dt.date | None:
    """A date from ``YYYY-MM-DD``, ``YYYYMMDD`` (DICOM StudyDate) or an empty cell.

    Raises:
        InvalidInputError: For anything else, naming ``where``.
    """
    if text is None or (isinstance(text, float) and pd.isna(text)) or str(text).strip() == "":
        return None
    value = str(text).strip()
    for pattern in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise InvalidInputError(f"{where}: date {value!r} is not YYYY-MM-DD or YYYYMMDD")


def read_pairs(path: Path) -> list[Pair]:
    """Read a pairing CSV.

    Raises:
        InvalidInputError: For a missing file or column, an empty or repeated subject, or a bad date.
    """
    if not path.is_file():
        raise InvalidInputError(
            f"{path}: no such pairing file; expected a CSV with columns subject,baseline,followup"
        )
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [column for column in REQUIRED_COLUMNS if column not in table.columns]
    if missing:
        raise InvalidInputError(
            f"{path}: missing column(s) {', '.join(missing)}; expected subject,baseline,followup "
            "(and optionally baseline_date,followup_date)"
        )
    pairs, seen = [], set()
    for number, row in enumerate(table.to_dict("records"), start=2):
        where = f"{path}, line {number}"
        subject = row["subject"].strip()
        if not subject or not row["baseline"].strip() or not row["followup"].strip():
            raise InvalidInputError(f"{where}: subject, baseline and followup must all be given")
        if subject in seen:
            raise InvalidInputError(
                f"{where}: subject {subject!r} is listed twice; give each subject one row"
            )
        seen.add(subject)
        dates = [parse_date(row.get(column), where) for column in DATE_COLUMNS]
        pairs.append(Pair(subject, row["baseline"].strip(), row["followup"].strip(), *dates))
    if not pairs:
        raise InvalidInputError(f"{path}: no subjects listed")
    return pairs


def pairs_by_name(baseline: set[str], followup: set[str]) -> tuple[list[Pair], dict[str, str]]:
    """Pair the cases of the two runs by name; return the pairs and a problem per unpaired case."""
    problems = {
        case: f"only a baseline scan ({case}); no follow-up case of that name" for case in baseline - followup
    }
    problems |= {
        case: f"only a follow-up scan ({case}); no baseline case of that name" for case in followup - baseline
    }
    pairs = [Pair(case, case, case) for case in sorted(baseline & followup)]
    return pairs, dict(sorted(problems.items()))
