"""Validation of a raw thighseg dataset (``thigh_validate``), also run at the start of planning.

Example:
    >>> from dataset_conversion.validation import ensure_valid_dataset  # doctest: +SKIP
    >>> report = ensure_valid_dataset(Path("Dataset001_Thigh"), workers=4)  # doctest: +SKIP
    >>> report.cases[0].spacing  # doctest: +SKIP
    (0.8, 0.8, 2.0)

The names below are imported on first use, so that ``thigh_validate --help``
does not load SimpleITK.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "validate_dataset": "dataset_conversion.validation.validate",
    "ensure_valid_dataset": "dataset_conversion.validation.validate",
    "DatasetInvalidError": "dataset_conversion.validation.validate",
    "ValidationReport": "dataset_conversion.validation.report",
    "CaseInfo": "dataset_conversion.validation.report",
    "Problem": "dataset_conversion.validation.problems",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access."""
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)
