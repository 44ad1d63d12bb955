"""Checks of ``dataset.json``: present, parseable, one CT channel, our label table, file ending.

Example:
    >>> content = {"channel_names": {"0": "CT"}, "labels": {"background": 0}}
    >>> sorted(problem.check for problem in check_dataset_json_content(content))
    ['file_ending', 'labels', 'numTraining']
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dataset_conversion.validation.problems import Problem
from thigh_common.dataset_json import DATASET_JSON
from thigh_common.image_io import IMAGE_EXTENSIONS
from thigh_common.labels import dataset_json_labels

FIX_DATASET_JSON = "Edit dataset.json (see documentation/dataset_format.md)"


def _problem(check: str, expected: str, found: str, fix: str = FIX_DATASET_JSON) -> Problem:
    """Build a dataset-level problem about ``dataset.json``."""
    return Problem("", DATASET_JSON, check, expected=expected, found=found, fix=fix)


def load_dataset_json(folder: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Read and parse ``dataset.json`` of ``folder``.

    Args:
        folder: The dataset folder.

    Returns:
        The parsed content (None when missing or unparseable) and the problems found.
    """
    path = folder / DATASET_JSON
    if not path.is_file():
        return None, [
            _problem(
                "presence",
                expected=f"a file {DATASET_JSON} in the dataset folder",
                found="no such file",
                fix="Write one with thigh_common.dataset_json.make_dataset_json/write_dataset_json",
            )
        ]
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return None, [_problem("parse", expected="valid JSON", found=f"a parse error ({error})")]
    if not isinstance(content, dict):
        return None, [_problem("parse", expected="a JSON object", found=f"a JSON {type(content).__name__}")]
    return content, []


def check_dataset_json_content(content: dict[str, Any]) -> list[Problem]:
    """Check the entries of a parsed ``dataset.json`` (``numTraining`` only for presence and type).

    Args:
        content: The parsed ``dataset.json``.

    Returns:
        The problems found.
    """
    problems = _check_channel_names(content.get("channel_names"))
    problems += _check_labels(content.get("labels"))
    problems += _check_file_ending(content.get("file_ending"))
    num_training = content.get("numTraining")
    if num_training is None:
        problems.append(_problem("numTraining", expected="the number of cases in imagesTr", found="no entry"))
    elif isinstance(num_training, bool) or not isinstance(num_training, int):
        problems.append(_problem("numTraining", expected="an integer", found=f"{num_training!r}"))
    return problems


def check_num_training(content: dict[str, Any], num_cases: int) -> list[Problem]:
    """Check that ``numTraining`` equals the number of training cases found in ``imagesTr``."""
    num_training = content.get("numTraining")
    if isinstance(num_training, int) and not isinstance(num_training, bool) and num_training != num_cases:
        return [
            _problem(
                "numTraining",
                expected=f"{num_cases} (the number of cases in imagesTr)",
                found=str(num_training),
            )
        ]
    return []


def _check_channel_names(channel_names: Any) -> list[Problem]:
    """Exactly one channel, ``"0"``, named CT (case-insensitive)."""
    expected = 'exactly one channel {"0": "CT"}'
    if not isinstance(channel_names, dict):
        found = "no entry" if channel_names is None else repr(channel_names)
        return [_problem("channel_names", expected=expected, found=found)]
    if len(channel_names) != 1:
        return [
            _problem(
                "channel_names",
                expected=expected,
                found=f"{len(channel_names)} channels {json.dumps(channel_names)}",
            )
        ]
    ((key, name),) = channel_names.items()
    if str(key) != "0" or not isinstance(name, str) or name.strip().upper() != "CT":
        return [_problem("channel_names", expected=expected, found=json.dumps(channel_names))]
    return []


def _check_labels(labels: Any) -> list[Problem]:
    """``labels`` equals the fixed label table (names and values)."""
    table = dataset_json_labels()
    if not isinstance(labels, dict):
        found = "no entry" if labels is None else repr(labels)
        return [_problem("labels", expected=f"the label table {json.dumps(table)}", found=found)]
    problems = []
    missing = [name for name in table if name not in labels]
    if missing:
        problems.append(
            _problem(
                "labels",
                expected=", ".join(f"{name}={table[name]}" for name in missing),
                found="missing entries",
            )
        )
    extra = [name for name in labels if name not in table]
    if extra:
        problems.append(
            _problem(
                "labels",
                expected="only the names of the label table",
                found="extra entries " + ", ".join(f"{name}={labels[name]!r}" for name in extra),
            )
        )
    wrong = [name for name in table if name in labels and labels[name] != table[name]]
    for name in wrong:
        problems.append(
            _problem("labels", expected=f"{name}={table[name]}", found=f"{name}={labels[name]!r}")
        )
    return problems


def _check_file_ending(file_ending: Any) -> list[Problem]:
    """``file_ending`` present and one of the supported image extensions."""
    expected = f"one of {', '.join(IMAGE_EXTENSIONS)}"
    if file_ending is None:
        return [_problem("file_ending", expected=expected, found="no entry")]
    if file_ending not in IMAGE_EXTENSIONS:
        return [_problem("file_ending", expected=expected, found=repr(file_ending))]
    return []
