"""Does an image look like a CT in Hounsfield units? Checks on its lowest and highest value.

A CT of the lower body in HU holds air around the body (about -1000 HU) and
soft tissue and bone (+40 and several hundred HU). The checks name the usual
mistakes: normalised or 8-bit intensities, stored values without the rescale
intercept (everything shifted by +1024), a constant image, and an image that is
no CT at all (an MR).

An image whose darkest values are near 0 is either a CT stored without the
rescale intercept or not a CT. It is taken for a shifted CT only when it has
bone (highest value >= :data:`SHIFTED_BONE_MIN`, i.e. +400 HU after
subtracting 1024) and, when the voxels are given, when most of the body lies
where shifted fat and muscle would (:data:`SHIFTED_TISSUE_BAND`). Otherwise
(an MR of 0..1000, say) the finding says the image does not look like a CT.

Example:
    >>> [finding.check for finding in intensity_findings(-1024.0, 1800.0)]
    []
    >>> intensity_findings(0.0, 2900.0)[0].check
    'CT intensities (HU)'
    >>> "does not look like a CT" in intensity_findings(0.0, 1000.0)[0].found
    True
"""

from __future__ import annotations

import numpy as np

from dataset_conversion.validation.problems import Finding

AIR_THRESHOLD = -500.0
"""The lowest value must be at most this (air, about -1000 HU, around the body)."""
TISSUE_THRESHOLD = 100.0
"""The highest value must be at least this (soft tissue and bone)."""
LOWEST_HU = -3100.0
"""Lowest allowed value: -3024 (lowest value scanners write) with a margin for resampling overshoot."""
HIGHEST_HU = 32767.0
"""Highest allowed value: the 16-bit maximum; extended-scale CT stores metal up to here."""
PADDING_VALUE = -32768
"""The 16-bit minimum, written outside the field of view by some converters; ignored."""
SHIFT_WINDOW = (-50.0, 200.0)
"""A lowest value in this window: air stored near 0 (a CT without the rescale intercept), or no CT."""
NORMALISED_LIMIT = 10.0
"""All values within +-this looks like normalised intensities (0..1, -1..1, z-scores)."""
RESCALE_INTERCEPT = 1024.0
"""What CT scanners usually add to HU to store them unsigned (stored = HU + 1024)."""
SHIFTED_BONE_MIN = RESCALE_INTERCEPT + 400.0
"""A shifted CT of the thigh has bone (the femur): its highest stored value is at least this."""
SHIFTED_BODY_MIN = RESCALE_INTERCEPT - 500.0
"""Stored values above this (-500 HU) are body, not air, in a shifted CT."""
SHIFTED_TISSUE_BAND = (RESCALE_INTERCEPT - 200.0, RESCALE_INTERCEPT + 200.0)
"""Fat and muscle (-200 .. +200 HU) as stored in a shifted CT."""
SHIFTED_TISSUE_SHARE = 0.5
"""In a shifted CT at least this share of the body voxels lies in :data:`SHIFTED_TISSUE_BAND`."""

CHECK = "CT intensities (HU)"
EXPECTED = (
    f"a CT in HU: lowest value <= {AIR_THRESHOLD:g} (air), highest >= {TISSUE_THRESHOLD:g} (tissue, bone)"
)


def intensity_range(array: np.ndarray) -> tuple[float, float]:
    """Return the lowest and highest value of ``array``, ignoring :data:`PADDING_VALUE`.

    Args:
        array: The image voxels, any shape.

    Returns:
        ``(lowest, highest)``; both are the padding value if nothing else is there.
    """
    lowest, highest = float(array.min()), float(array.max())
    if lowest == PADDING_VALUE and highest != PADDING_VALUE:
        lowest = float(array[array != PADDING_VALUE].min())
    return lowest, highest


def shifted_tissue_share(array: np.ndarray) -> float:
    """Return the share of body voxels that lie where fat and muscle of a shifted CT would.

    Args:
        array: The image voxels, any shape.

    Returns:
        The share of voxels above :data:`SHIFTED_BODY_MIN` that lie in
        :data:`SHIFTED_TISSUE_BAND`; 0 when no voxel is above.
    """
    body = np.count_nonzero(array > SHIFTED_BODY_MIN)
    low, high = SHIFTED_TISSUE_BAND
    tissue = np.count_nonzero((array >= low) & (array <= high))
    return tissue / body if body else 0.0


def _looks_shifted(highest: float, array: np.ndarray | None) -> bool:
    """Whether an image with its darkest values near 0 is a CT stored without the rescale intercept."""
    if highest < SHIFTED_BONE_MIN:
        return False
    return array is None or shifted_tissue_share(array) >= SHIFTED_TISSUE_SHARE


def intensity_findings(lowest: float, highest: float, array: np.ndarray | None = None) -> list[Finding]:
    """Say how an image with values in ``[lowest, highest]`` fails to look like CT in HU.

    Args:
        lowest: The lowest value (padding excluded).
        highest: The highest value.
        array: The voxels, any shape; when given, they tell a CT stored without
            the rescale intercept from a non-CT image (see the module text).

    Returns:
        Nothing for a plausible CT; else one specific finding for a recognised
        mistake, or one finding per violated bound.
    """
    found = f"values {lowest:g} .. {highest:g}"

    def finding(what: str, fix: str, expected: str = EXPECTED) -> list[Finding]:
        return [Finding(CHECK, expected, f"{found}: {what}", fix)]

    if not (np.isfinite(lowest) and np.isfinite(highest)):
        return finding("not-a-number or infinite values", "Replace NaN/inf voxels, e.g. by -1024")
    if lowest == highest:
        return finding(
            f"a constant image (every voxel {lowest:g})", "Check the export; the file holds no scan"
        )
    plausible = AIR_THRESHOLD >= lowest >= LOWEST_HU and TISSUE_THRESHOLD <= highest <= HIGHEST_HU
    if plausible:
        return []
    if lowest >= -NORMALISED_LIMIT and highest <= NORMALISED_LIMIT:
        return finding(
            "looks normalised, not HU", "Use the original HU image, before any intensity normalisation"
        )
    if lowest >= 0 and highest <= 255:
        return finding(
            "looks like 8-bit display values (0..255), not HU",
            "Use the original HU image, not a windowed export",
        )
    if SHIFT_WINDOW[0] <= lowest <= SHIFT_WINDOW[1]:
        if _looks_shifted(highest, array):
            return finding(
                "looks like raw stored values without the rescale intercept (air near 0, expected air near "
                "-1000 HU)",
                "Apply RescaleSlope/RescaleIntercept (typically subtract 1024)",
            )
        return finding(
            "does not look like a CT in HU (no air near -1000 HU, and not a CT stored without the rescale "
            "intercept either: an MR or another modality?)",
            "thighseg segments CT scans in HU; give the CT of this patient, not an MR or another image",
        )
    findings = []
    if lowest > AIR_THRESHOLD:
        findings += finding(
            f"no air: lowest value {lowest:g} > {AIR_THRESHOLD:g}",
            "Check that the image is a CT in HU that includes the air around the body",
        )
    if highest < TISSUE_THRESHOLD:
        findings += finding(
            f"no tissue or bone: highest value {highest:g} < {TISSUE_THRESHOLD:g}",
            "Check that the image is a CT in HU (not a mask or a probability map)",
        )
    if lowest < LOWEST_HU:
        findings += finding(
            f"lowest value {lowest:g} below {LOWEST_HU:g}",
            "Check the rescale slope/intercept; padding should be -1024..-3024 (or -32768)",
        )
    if highest > HIGHEST_HU:
        findings += finding(
            f"highest value {highest:g} above {HIGHEST_HU:g}", "Check the rescale slope/intercept"
        )
    return findings
