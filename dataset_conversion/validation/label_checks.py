"""Checks of label values: integral, within the label table, and some foreground.

Example:
    >>> import numpy as np
    >>> present, findings = label_value_findings(np.array([0, 1, 2, 11], np.uint8))
    >>> present, [finding.found for finding in findings]
    ((0, 1, 2), ['values 11'])
"""

from __future__ import annotations

import numpy as np

from dataset_conversion.validation.problems import Finding
from thigh_common.labels import BACKGROUND, NUM_CLASSES
from thigh_common.listing import listed

MAX_LISTED = 12
"""At most this many unexpected values are listed."""
EXPECTED_VALUES = f"integer values {BACKGROUND}..{NUM_CLASSES - 1} (the label table)"


def _number(value: object) -> str:
    return f"{float(value):g}"


def present_values(array: np.ndarray) -> np.ndarray:
    """Return the distinct values of ``array``, sorted; fast for small non-negative integers."""
    if array.dtype.kind in "iub" and array.size:
        lowest, highest = int(array.min()), int(array.max())
        if lowest >= 0 and highest < 1 << 16:
            return np.flatnonzero(np.bincount(array.ravel(), minlength=highest + 1))
    return np.unique(array)


def label_value_findings(array: np.ndarray) -> tuple[tuple[int, ...], list[Finding]]:
    """Check the values of a label map.

    Args:
        array: The label voxels, any shape and dtype.

    Returns:
        The valid label values present, and the findings: non-integral values,
        values outside the label table, no foreground at all.
    """
    values = present_values(array)
    findings = []
    if values.dtype.kind == "f":
        non_integral = values[~np.isfinite(values) | (values != np.round(values))]
        if non_integral.size:
            findings.append(
                Finding(
                    "label values",
                    EXPECTED_VALUES,
                    f"non-integer values {listed(non_integral, MAX_LISTED, _number)}",
                    "Labels must be a label map, not probabilities or an interpolated map "
                    "(resample labels with nearest neighbour)",
                )
            )
        values = values[np.isfinite(values) & (values == np.round(values))]
    outside = values[(values < BACKGROUND) | (values > NUM_CLASSES - 1)]
    if outside.size:
        findings.append(
            Finding(
                "label values",
                EXPECTED_VALUES,
                f"values {listed(outside, MAX_LISTED, _number)}",
                "Map the labels to the thighseg label table (e.g. thigh_convert pairs with a label mapping)",
            )
        )
    valid = values[(values >= BACKGROUND) & (values <= NUM_CLASSES - 1)]
    present = tuple(int(value) for value in valid)
    if not findings and not any(value != BACKGROUND for value in present):
        findings.append(
            Finding(
                "label foreground",
                "at least one muscle voxel (labels 1..10)",
                "only background (0)",
                "An empty label map would teach the network that there are no muscles; "
                "annotate the case or remove it",
            )
        )
    return present, findings
