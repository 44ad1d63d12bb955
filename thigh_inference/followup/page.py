"""The follow-up page (``followup.md``): change per subject and leg, figures, flags, what was left out.

Per subject: the figure and the muscles whose quality flag says ``check`` in either scan;
then the muscles left out of the comparison, and the subjects not compared.

Example:
    >>> text = followup_page(rows, failures, "runs/baseline", "runs/followup")  # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from thigh_common.labels import display_name
from thigh_inference.followup.figure import FIGURE_SUFFIX, flagged
from thigh_inference.muscle_groups import KIND_MUSCLE, TOTAL_NAME


def _percent(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:+.1f} %"


def _subject_line(subject: str, rows: pd.DataFrame) -> str:
    cells = [
        subject,
        "" if rows["interval_days"].isna().all() else str(int(rows["interval_days"].dropna().iloc[0])),
    ]
    for side in ("right", "left"):
        for structure in ("quadriceps", "posterior_compartment", "medial_compartment", TOTAL_NAME):
            match = rows[(rows["side"] == side) & (rows["structure"] == structure)]
            cells.append(_percent(match["volume_change_percent"].iloc[0]) if len(match) else "n/a")
    return "| " + " | ".join(cells) + " |"


def _to_check(rows: pd.DataFrame) -> str:
    """The muscles of one subject whose quality flag says ``check`` in a scan, and in which."""
    muscles = rows[(rows["kind"] == KIND_MUSCLE) & flagged(rows)]
    if not len(muscles):
        return "Quality flags: every muscle `ok` in both scans."
    items = []
    for _, row in muscles.iterrows():
        scans = [
            name
            for name, column in (("baseline", "qc_baseline"), ("follow-up", "qc_followup"))
            if row[column] == "check"
        ]
        items.append(f"{row['side']} {display_name(row['structure'])} ({', '.join(scans)})")
    return (
        "Quality flags: check "
        + "; ".join(items)
        + " before trusting their change (hatched in the figure; the reasons are in the scans' muscle tables)."
    )


def _subject_sections(rows: pd.DataFrame) -> list[str]:
    lines = ["", "## Subjects"]
    for subject, subject_rows in rows.groupby("subject", sort=True):
        first = subject_rows.iloc[0]
        lines += [
            "",
            f"### {subject}",
            "",
            f"Baseline `{first['baseline']}`, follow-up `{first['followup']}`.",
            "",
            f"![relative volume change per muscle and group of {subject}]({subject}{FIGURE_SUFFIX})",
            "",
            _to_check(subject_rows),
        ]
    return lines


def followup_page(rows: pd.DataFrame, failures: dict[str, str], baseline: str, followup: str) -> str:
    """The Markdown page of a follow-up run.

    Args:
        rows: Every subject's change rows.
        failures: Per subject (or case) why it has no rows.
        baseline: The baseline run's folder, as given.
        followup: The follow-up run's folder, as given.
    """
    lines = [
        "# Follow-up",
        "",
        f"Baseline run `{baseline}`, follow-up run `{followup}`: {rows['subject'].nunique() if len(rows) else 0} "
        f"subject(s) compared, {len(failures)} not. Volume change per leg (follow-up against baseline); "
        "the full table is `followup.csv`, each subject's figure `SUBJECT_change.png`.",
        "",
        "| subject | days | quadriceps R | posterior R | medial R | all muscles R "
        "| quadriceps L | posterior L | medial L | all muscles L |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for subject, subject_rows in rows.groupby("subject", sort=True):
        lines.append(_subject_line(str(subject), subject_rows))
    if len(rows):
        lines += _subject_sections(rows)
    left_out = rows[~rows["compared"].astype(bool) & (rows["kind"] == KIND_MUSCLE)] if len(rows) else rows
    if len(left_out):
        lines += ["", "## Left out of the comparison", ""]
        for _, row in left_out.iterrows():
            lines.append(
                f"- {row['subject']}, {row['side']} {display_name(row['structure'])}: {row['left_out_because']}"
            )
    if failures:
        lines += ["", "## Not compared", ""]
        lines += [f"- {subject}: {message}" for subject, message in sorted(failures.items())]
    lines.append("")
    return "\n".join(lines)
