"""The follow-up page (``followup.md``): per subject the change of every leg's muscles, what was left out, failures.

Example:
    >>> text = followup_page(rows, failures, "runs/baseline", "runs/followup")  # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

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
    left_out = rows[~rows["compared"].astype(bool) & (rows["kind"] == KIND_MUSCLE)] if len(rows) else rows
    if len(left_out):
        lines += ["", "## Left out of the comparison", ""]
        for _, row in left_out.iterrows():
            lines.append(
                f"- {row['subject']}, {row['side']} {row['structure'].replace('_', ' ')}: {row['left_out_because']}"
            )
    if failures:
        lines += ["", "## Not compared", ""]
        lines += [f"- {subject}: {message}" for subject, message in sorted(failures.items())]
    lines.append("")
    return "\n".join(lines)
