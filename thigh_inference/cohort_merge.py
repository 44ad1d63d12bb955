"""Join the parts of a cohort predicted by several jobs (``--num-parts N --part-id K``) into one summary.

Each part's output folder holds its scans' ``CASE_muscles.csv`` tables and its run
record (``prediction.json``, or ``prediction_partK.json`` when the parts share one
folder). The merge reads every part, refuses parts made with different models or
label tables (the records say), refuses a case measured in two parts with
different values, and writes into the output folder the cohort's ``summary.csv``
(over every case of every part), the colour tables and ``prediction.json`` with
the parts it joined and those it did not find. The label maps stay where the
parts wrote them.

Example:
    >>> merge_parts([Path("out/part0"), Path("out/part1")], Path("out/cohort"))  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from thigh_common.atomic import write_json_atomic
from thigh_common.errors import InvalidInputError
from thigh_inference import label_export, muscle_table
from thigh_inference.run_record import RECORD_FILE, comparability_problems, read_run_records

logger = logging.getLogger(__name__)


@dataclass
class MergedCohort:
    """What a merge joined.

    Attributes:
        cases: Case names in the cohort summary.
        parts: The part ids found (``0 .. N-1``).
        missing_parts: Part ids of ``num_parts`` that no folder holds a record of.
        record: The merged run record written to the output.
    """

    cases: list[str] = field(default_factory=list)
    parts: list[int] = field(default_factory=list)
    missing_parts: list[int] = field(default_factory=list)
    record: dict[str, Any] = field(default_factory=dict)


def _records(folders: list[Path]) -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for folder in folders:
        if not folder.is_dir():
            raise InvalidInputError(
                f"{folder}: no such folder; expected a thigh_predict output folder of one part"
            )
        records = [record for record in read_run_records(folder) if "merged_from" not in record]
        if not records:
            raise InvalidInputError(
                f"{folder}: no {RECORD_FILE} (or prediction_partK.json): cannot tell which model made it; "
                "predict it again with this thighseg"
            )
        found += [(folder, record) for record in records]
    return found


def _check_same_model(records: list[tuple[Path, dict[str, Any]]]) -> None:
    first_folder, first = records[0]
    for folder, record in records[1:]:
        problems = comparability_problems(first, record)
        if problems:
            raise InvalidInputError(
                f"{first_folder} and {folder} cannot be merged: {'; '.join(problems)}; merge only parts of one run"
            )


def _tables(folders: list[Path]) -> dict[str, pd.DataFrame]:
    """Every case table of the parts by case; a case in two parts must have the same values."""
    tables: dict[str, tuple[Path, pd.DataFrame]] = {}
    for folder in dict.fromkeys(folders):
        for path in sorted(folder.glob(f"*{muscle_table.TABLE_SUFFIX}")):
            case = path.name[: -len(muscle_table.TABLE_SUFFIX)]
            table = muscle_table.read_case_table(path)
            if case in tables and not tables[case][1].equals(table):
                raise InvalidInputError(
                    f"case {case} was measured in two parts with different results ({tables[case][0]} and "
                    f"{folder}); predict it once"
                )
            tables.setdefault(case, (folder, table))
    return {case: table for case, (_, table) in sorted(tables.items())}


def merge_parts(folders: list[Path], output: Path) -> MergedCohort:
    """Merge the parts' outputs in ``folders`` into the cohort summary in ``output``.

    Raises:
        InvalidInputError: For a folder without run record, parts of different models or label
            tables or of different splits, or a case with two different results; nothing is written then.
    """
    records = _records(folders)
    _check_same_model(records)
    splits = {record["part"]["num_parts"] for _, record in records}
    if len(splits) > 1:
        raise InvalidInputError(
            f"the parts were split differently (--num-parts {', '.join(map(str, sorted(splits)))})"
        )
    num_parts = splits.pop()
    parts = sorted({record["part"]["part_id"] for _, record in records})
    missing = [part for part in range(num_parts) if part not in parts]
    tables = _tables([folder for folder, _ in records])
    output.mkdir(parents=True, exist_ok=True)
    muscle_table.write_summary(
        muscle_table.summary_table(list(tables.values())), output / muscle_table.SUMMARY_FILE
    )
    label_export.write_colour_table(output / label_export.SLICER_TABLE_NAME)
    label_export.write_itksnap_labels(output / label_export.ITKSNAP_TABLE_NAME)
    record = dict(records[0][1])
    record["part"] = {"num_parts": 1, "part_id": 0}
    record["merged_from"] = [
        {"folder": str(folder), "part_id": rec["part"]["part_id"], "num_parts": rec["part"]["num_parts"]}
        for folder, rec in records
    ]
    record["missing_parts"] = missing
    write_json_atomic(record, output / RECORD_FILE)
    if missing:
        logger.warning(
            "parts %s of %d were not found: the cohort summary lacks their scans",
            ", ".join(map(str, missing)),
            num_parts,
        )
    logger.info(
        "merged %d part(s), %d case(s) into %s", len(parts), len(tables), output / muscle_table.SUMMARY_FILE
    )
    return MergedCohort(list(tables), parts, missing, record)
