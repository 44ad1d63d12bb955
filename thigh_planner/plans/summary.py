"""What the planner needs from the dataset fingerprint.

The fingerprinting step reduces the dataset to a :class:`FingerprintSummary`;
:func:`thigh_planner.plans.build_plans` turns it into plans.

Example:
    >>> summary = FingerprintSummary(24, (0.8, 0.8, 2.0), {"0.5": -60.0, "99.5": 140.0}, 50.0, 25.0, 420.0)
    >>> FingerprintSummary.from_dict(summary.to_dict()) == summary
    True
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from thigh_planner.plans.errors import PlansError

PERCENTILE_KEYS: tuple[str, str] = ("0.5", "99.5")


@dataclasses.dataclass(frozen=True)
class FingerprintSummary:
    """Dataset statistics the plans are derived from.

    Attributes:
        num_cases: Number of training cases (scans with both legs).
        median_spacing_mm: Median voxel spacing (x, y, z) of the raw images.
        muscle_hu_percentiles: HU percentiles inside muscle voxels, keys ``"0.5"`` and ``"99.5"``.
        muscle_hu_mean: Mean HU inside muscle voxels.
        muscle_hu_std: Standard deviation of HU inside muscle voxels.
        median_femur_length_mm: Median femur length, or None when unknown (informative).
        label_extent_mm: Extent ``(distal, proximal)`` of the muscle labels along the femur axis,
            in mm from the femoral shaft centre the detector finds (distal negative), over all legs;
            None when unknown. The ``default`` preset sizes and centres the crop along the femur on it.
    """

    num_cases: int
    median_spacing_mm: tuple[float, float, float]
    muscle_hu_percentiles: dict[str, float]
    muscle_hu_mean: float
    muscle_hu_std: float
    median_femur_length_mm: float | None
    label_extent_mm: tuple[float, float] | None = None

    def problems(self) -> list[str]:
        """Return what is wrong with the values (empty when usable)."""
        found = []
        if not isinstance(self.num_cases, int) or self.num_cases < 1:
            found.append(f"num_cases: expected an integer >= 1, found {self.num_cases!r}")
        spacing = tuple(self.median_spacing_mm)
        if len(spacing) != 3 or not all(_finite(s) and s > 0 for s in spacing):
            found.append(f"median_spacing_mm: expected three positive numbers (x, y, z), found {spacing!r}")
        percentiles = self.muscle_hu_percentiles
        if sorted(percentiles) != sorted(PERCENTILE_KEYS) or not all(
            _finite(v) for v in percentiles.values()
        ):
            found.append(
                f"muscle_hu_percentiles: expected numbers for keys {list(PERCENTILE_KEYS)}, found {percentiles!r}"
            )
        elif percentiles["0.5"] > percentiles["99.5"]:
            found.append(f"muscle_hu_percentiles: expected 0.5 <= 99.5, found {percentiles!r}")
        if not _finite(self.muscle_hu_mean):
            found.append(f"muscle_hu_mean: expected a number, found {self.muscle_hu_mean!r}")
        if not _finite(self.muscle_hu_std) or self.muscle_hu_std <= 0:
            found.append(f"muscle_hu_std: expected a number > 0, found {self.muscle_hu_std!r}")
        length = self.median_femur_length_mm
        if length is not None and (not _finite(length) or length <= 0):
            found.append(f"median_femur_length_mm: expected a number > 0 or null, found {length!r}")
        extent = self.label_extent_mm
        if extent is not None and (
            len(tuple(extent)) != 2 or not all(_finite(v) for v in extent) or not extent[0] < extent[1]
        ):
            found.append(
                f"label_extent_mm: expected (distal, proximal) with distal < proximal, found {extent!r}"
            )
        return found

    def validate(self) -> None:
        """Raise :class:`PlansError` listing every problem, if any."""
        found = self.problems()
        if found:
            listing = "\n".join(f"  - {problem}" for problem in found)
            raise PlansError(
                f"the fingerprint summary cannot be planned from; re-run the fingerprint:\n{listing}"
            )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        content = dataclasses.asdict(self)
        content["median_spacing_mm"] = list(self.median_spacing_mm)
        if self.label_extent_mm is not None:
            content["label_extent_mm"] = list(self.label_extent_mm)
        return content

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FingerprintSummary:
        """Build a summary from :meth:`to_dict` output and validate it.

        Raises:
            PlansError: For missing or unknown keys or invalid values.
        """
        fields = [field.name for field in dataclasses.fields(cls)]
        required = [name for name in fields if name != "label_extent_mm"]
        if not isinstance(data, dict) or not set(required) <= set(data) or not set(data) <= set(fields):
            found = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise PlansError(f"fingerprint summary: expected keys {fields}, found {found}")
        summary = cls(
            num_cases=data["num_cases"],
            median_spacing_mm=tuple(data["median_spacing_mm"]),
            muscle_hu_percentiles={str(k): v for k, v in dict(data["muscle_hu_percentiles"]).items()},
            muscle_hu_mean=data["muscle_hu_mean"],
            muscle_hu_std=data["muscle_hu_std"],
            median_femur_length_mm=data["median_femur_length_mm"],
            label_extent_mm=None if data.get("label_extent_mm") is None else tuple(data["label_extent_mm"]),
        )
        summary.validate()
        return summary


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
