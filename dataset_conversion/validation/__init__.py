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

from thigh_common.imports import lazy_exports

_PUBLIC = {
    "validate_dataset": "validate",
    "ensure_valid_dataset": "validate",
    "DatasetInvalidError": "validate",
    "ValidationReport": "report",
    "CaseInfo": "report",
    "Problem": "problems",
}

__all__ = sorted(_PUBLIC)

__getattr__ = lazy_exports(__name__, _PUBLIC)
