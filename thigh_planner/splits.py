"""Seeded k-fold cross-validation splits by case, in nnU-Net's ``splits_final.json`` format.

A case is one scan with both legs, so splitting by case id keeps the two
thighs of a patient on the same side of every fold. The file is a list with
one ``{"train": [...], "val": [...]}`` object per fold.

Example:
    >>> folds = make_splits([f"case_{i:03d}" for i in range(10)], n_folds=5, seed=0)
    >>> len(folds), sorted(len(fold["val"]) for fold in folds)
    (5, [2, 2, 2, 2, 2])
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from thigh_common.atomic import write_json_atomic
from thigh_common.errors import ThighSegError

LOGGER = logging.getLogger(__name__)
SPLITS_FILE = "splits.json"
Splits = list[dict[str, list[str]]]


class SplitsError(ThighSegError):
    """A splits request or file cannot be used; the message says what is wrong and what to do."""


def make_splits(case_ids: Sequence[str], n_folds: int = 5, seed: int = 0) -> Splits:
    """Split cases into ``n_folds`` folds after a seeded shuffle.

    The result depends only on the set of ids, ``n_folds`` and ``seed`` (not on the order of
    ``case_ids``). Every case is in exactly one validation fold; fold sizes differ by at most one.

    Args:
        case_ids: Case identifiers (one per scan, both legs together).
        n_folds: Number of folds (at least 2). With fewer cases, it is reduced to the number
            of cases and a warning is logged.
        seed: Seed of the shuffle.

    Returns:
        One ``{"train": [...], "val": [...]}`` per fold, ids sorted within each list.

    Raises:
        SplitsError: For duplicate ids, fewer than 2 cases, or ``n_folds`` < 2.
    """
    ids = [str(case_id) for case_id in case_ids]
    duplicates = sorted(case_id for case_id, count in Counter(ids).items() if count > 1)
    if duplicates:
        raise SplitsError(
            f"case ids must be unique (one per scan, both legs together); duplicated: {', '.join(duplicates)}"
        )
    if isinstance(n_folds, bool) or not isinstance(n_folds, int) or n_folds < 2:
        raise SplitsError(f"n_folds: expected an integer >= 2, found {n_folds!r}")
    if len(ids) < 2:
        raise SplitsError(
            f"cross-validation needs at least 2 cases, found {len(ids)}; add annotated cases to the dataset"
        )
    if len(ids) < n_folds:
        LOGGER.warning(
            "only %d cases for %d folds: using %d folds (one case per fold)", len(ids), n_folds, len(ids)
        )
        n_folds = len(ids)
    order = np.random.default_rng(seed).permutation(len(ids))
    shuffled = [sorted(ids)[index] for index in order]
    folds = []
    for validation in np.array_split(np.asarray(shuffled, dtype=object), n_folds):
        val = sorted(str(case_id) for case_id in validation)
        folds.append({"train": sorted(set(ids) - set(val)), "val": val})
    return folds


def splits_problems(splits: Any, case_ids: Sequence[str] | None = None) -> list[str]:
    """Return what is wrong with ``splits`` (empty when valid).

    Args:
        splits: Decoded content of a splits file.
        case_ids: The dataset's cases, if known: each must be in exactly one validation fold.
    """
    if not isinstance(splits, list) or not splits:
        return [f"expected a non-empty list of folds, found {type(splits).__name__}"]
    problems: list[str] = []
    validation_count: Counter[str] = Counter()
    all_ids: set[str] = set()
    for index, fold in enumerate(splits):
        if not isinstance(fold, dict) or sorted(fold) != ["train", "val"]:
            found = sorted(fold) if isinstance(fold, dict) else type(fold).__name__
            problems.append(f"fold {index}: expected an object with keys train and val, found {found}")
            continue
        lists = {}
        for key in ("train", "val"):
            items = fold[key]
            if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
                problems.append(f"fold {index}.{key}: expected a list of case ids")
                continue
            repeated = sorted(item for item, count in Counter(items).items() if count > 1)
            if repeated:
                problems.append(f"fold {index}.{key}: duplicated case ids {', '.join(repeated)}")
            lists[key] = set(items)
        if len(lists) < 2:
            continue
        overlap = sorted(lists["train"] & lists["val"])
        if overlap:
            problems.append(f"fold {index}: cases in both train and val: {', '.join(overlap)}")
        if not lists["val"]:
            problems.append(f"fold {index}: empty validation set")
        validation_count.update(lists["val"])
        all_ids |= lists["train"] | lists["val"]
    twice = sorted(case_id for case_id, count in validation_count.items() if count > 1)
    if twice:
        problems.append(f"cases validated in more than one fold: {', '.join(twice)}")
    expected = set(case_ids) if case_ids is not None else all_ids
    never = sorted(expected - set(validation_count))
    if never:
        problems.append(f"cases in no validation fold: {', '.join(never)}")
    if case_ids is not None:
        unknown = sorted(all_ids - expected)
        if unknown:
            problems.append(f"cases not in the dataset: {', '.join(unknown)}")
    return problems


def save_splits(splits: Splits, path: str | os.PathLike[str]) -> None:
    """Validate ``splits`` and write them to ``path`` atomically.

    Raises:
        SplitsError: If the splits are invalid.
    """
    problems = splits_problems(splits)
    if problems:
        raise SplitsError("refusing to write invalid splits:\n" + "\n".join(f"  - {p}" for p in problems))
    write_json_atomic(splits, path)


def load_splits(path: str | os.PathLike[str], case_ids: Sequence[str] | None = None) -> Splits:
    """Read and validate a splits file.

    Args:
        path: The file (or a folder holding ``splits.json``).
        case_ids: The dataset's cases, to flag missing and unknown ones.

    Raises:
        SplitsError: For a missing file, malformed JSON (with line and column) or invalid
            splits (overlaps, duplicates, missing or unknown cases, all listed).
    """
    path = Path(path)
    if path.is_dir():
        path = path / SPLITS_FILE
    if not path.is_file():
        raise SplitsError(f"{path}: no splits file there; run thigh_plan on the dataset first")
    try:
        splits = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise SplitsError(
            f"{path}: not valid JSON at line {error.lineno}, column {error.colno} ({error.msg}); "
            "fix it or delete it and re-run thigh_plan"
        ) from error
    problems = splits_problems(splits, case_ids)
    if problems:
        listing = "\n".join(f"  - {problem}" for problem in problems)
        raise SplitsError(
            f"{path}: invalid splits; fix them or delete the file and re-run thigh_plan:\n{listing}"
        )
    return splits
