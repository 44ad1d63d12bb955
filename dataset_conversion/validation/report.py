"""The result of validating a raw dataset: cases found, problems found, and their printout.

Example:
    >>> from pathlib import Path
    >>> report = ValidationReport(Path("Dataset001"), problems=(), cases=())
    >>> report.ok
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dataset_conversion.validation.problems import Problem, format_problems


@dataclass(frozen=True)
class CaseInfo:
    """What was read from one case (fields are None where the file could not be read).

    Attributes:
        case: Case identifier.
        folder: ``"imagesTr"`` for a training case, ``"imagesTs"`` for a test image.
        size: Image size in voxels, SimpleITK order (x, y, z).
        spacing: Voxel spacing in mm, (x, y, z).
        pixel_type: SimpleITK pixel type of the image, e.g. ``"16-bit signed integer"``.
        intensity_range: Lowest and highest image value (HU), padding excluded.
        labels_present: Label values present in the label map (training cases).
    """

    case: str
    folder: str
    size: tuple[int, ...] | None = None
    spacing: tuple[float, ...] | None = None
    pixel_type: str | None = None
    intensity_range: tuple[float, float] | None = None
    labels_present: tuple[int, ...] = ()


@dataclass(frozen=True)
class ValidationReport:
    """Everything ``validate_dataset`` found.

    Attributes:
        folder: The dataset folder.
        problems: Every problem found, in the order found.
        cases: The training cases (``imagesTr``), sorted by identifier.
        test_cases: The test images (``imagesTs``), sorted by identifier.
        file_ending: The file ending the files were checked against.
        seconds: Time the validation took.
    """

    folder: Path
    problems: tuple[Problem, ...]
    cases: tuple[CaseInfo, ...]
    test_cases: tuple[CaseInfo, ...] = ()
    file_ending: str = ".nii.gz"
    seconds: float = field(default=0.0, compare=False)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def format(self) -> str:
        """Return the full listing: the summary when clean, else every problem per case."""
        if self.ok:
            return self.summary()
        cases = {problem.case for problem in self.problems if problem.case}
        where = f"{len(cases)} case(s)" + (
            " and the dataset itself" if any(not problem.case for problem in self.problems) else ""
        )
        header = (
            f"dataset {self.folder} is not valid: {len(self.problems)} problem(s) in {where} "
            f"({len(self.cases)} training case(s), {len(self.test_cases)} test image(s) checked):"
        )
        return f"{header}\n{format_problems(self.problems)}"

    def summary(self) -> str:
        """Return a short description of the cases: count, spacings, sizes and intensities."""
        lines = [
            f"dataset {self.folder}: {len(self.cases)} training case(s), "
            f"{len(self.test_cases)} test image(s), file ending {self.file_ending}, "
            f"checked in {self.seconds:.1f} s"
        ]
        cases = [case for case in (*self.cases, *self.test_cases) if case.size is not None]
        if cases:
            lines.append(f"  spacing (mm):   {_axis_ranges([case.spacing for case in cases], '.3g')}")
            lines.append(f"  size (voxels):  {_axis_ranges([case.size for case in cases], 'd')}")
        ranges = [case.intensity_range for case in cases if case.intensity_range is not None]
        if ranges:
            lowest = min(low for low, _ in ranges)
            highest = max(high for _, high in ranges)
            lines.append(f"  intensity (HU): {lowest:g} .. {highest:g}")
        pixel_types = sorted({case.pixel_type for case in cases if case.pixel_type})
        if pixel_types:
            lines.append(f"  pixel types:    {', '.join(pixel_types)}")
        if self.cases:
            present = sorted({label for case in self.cases for label in case.labels_present})
            lines.append(f"  label values:   {', '.join(map(str, present)) or 'none'}")
        if self.ok:
            lines.append("  no problems found")
        return "\n".join(lines)


def _axis_ranges(values: Sequence[Sequence[float] | None], number_format: str) -> str:
    """Format per-axis minimum and maximum of equally long tuples, e.g. ``x 0.7-0.9, y ..``."""
    rows = [row for row in values if row is not None]
    parts = []
    for axis, name in enumerate("xyz"[: min(len(row) for row in rows)]):
        low = min(row[axis] for row in rows)
        high = max(row[axis] for row in rows)
        span = f"{low:{number_format}}" if low == high else f"{low:{number_format}}-{high:{number_format}}"
        parts.append(f"{name} {span}")
    return ", ".join(parts)
