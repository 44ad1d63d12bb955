"""Tiny phantom cases with clinical conditions, rendered once per test session and shared."""

from __future__ import annotations

from dataset_conversion.phantom.case import PhantomCase, generate_case

SEED, INDEX = 0, 0
_CACHE: dict[str, PhantomCase] = {}


def condition_case(conditions: str = "") -> PhantomCase:
    """Tiny case (SEED, INDEX) with the comma-separated ``conditions`` ("" for none), cached."""
    if conditions not in _CACHE:
        specs = [conditions] if conditions else []
        _CACHE[conditions] = generate_case(SEED, INDEX, "tiny", keep_arrays=True, conditions=specs)
    return _CACHE[conditions]
