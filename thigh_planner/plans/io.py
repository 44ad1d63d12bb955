"""Reading and writing ``plans.json``.

Example:
    >>> import tempfile, pathlib
    >>> from thigh_planner.plans import FingerprintSummary, build_plans
    >>> summary = FingerprintSummary(24, (0.8, 0.8, 2.0), {"0.5": -60.0, "99.5": 140.0}, 50.0, 25.0, 420.0)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "plans.json"
    >>> save_plans(build_plans(summary, "Dataset001_Thigh"), path)
    >>> load_plans(path).dataset_name
    'Dataset001_Thigh'
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from thigh_common.atomic import write_json_atomic
from thigh_common.model_files.layout import PLANS_FILE
from thigh_planner.plans.errors import PlansError
from thigh_planner.plans.parsing import plans_from_dict
from thigh_planner.plans.schema import Plans


def save_plans(plans: Plans, path: str | os.PathLike[str]) -> None:
    """Write ``plans`` to ``path`` atomically (a crash never leaves half a file)."""
    write_json_atomic(plans.to_dict(), path)


def load_plans(path: str | os.PathLike[str]) -> Plans:
    """Read and validate the plans at ``path``.

    Raises:
        PlansError: For a missing or unreadable file, malformed JSON (with line and column),
            plans of a newer schema version, or invalid fields (all listed with their paths).
    """
    path = Path(path)
    if path.is_dir():
        path = path / PLANS_FILE
    if not path.is_file():
        raise PlansError(f"{path}: no plans file there; run thigh_plan on the dataset first")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PlansError(f"{path}: cannot be read ({error}); check the file or re-run thigh_plan") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise PlansError(
            f"{path}: not valid JSON at line {error.lineno}, column {error.colno} ({error.msg}); "
            "fix the file or re-run thigh_plan"
        ) from error
    return plans_from_dict(data, source=str(path))
