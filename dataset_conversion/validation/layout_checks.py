"""Folder structure checks: imagesTr/labelsTr present, file names, image/label pairing.

Files and folders whose names start with a dot (``.DS_Store``) are ignored.

Example:
    >>> from pathlib import Path
    >>> pairs, problems = find_training_cases(Path("/no/such/dataset"), ".nii.gz")
    >>> [problem.file for problem in problems]
    ['imagesTr', 'labelsTr']
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from dataset_conversion.validation.problems import Problem
from thigh_common.image_io import CHANNEL_SUFFIX, image_extension

IMAGES_TR = "imagesTr"
LABELS_TR = "labelsTr"
IMAGES_TS = "imagesTs"


@dataclass(frozen=True)
class CaseFiles:
    """The files of one case, as found on disk.

    Attributes:
        case: Case identifier.
        folder: ``imagesTr`` or ``imagesTs``.
        image: The image file, relative to the dataset folder.
        label: The label file, relative to the dataset folder (None for test
            images and for training images without a label).
    """

    case: str
    folder: str
    image: str
    label: str | None = None


def infer_file_ending(folder: Path) -> str:
    """Return the most common supported extension among ``imagesTr`` files (``.nii.gz`` if none)."""
    images = folder / IMAGES_TR
    endings = Counter(
        image_extension(path)
        for path in (images.iterdir() if images.is_dir() else ())
        if image_extension(path)
    )
    return endings.most_common(1)[0][0] if endings else ".nii.gz"


def _entries(folder: Path) -> list[Path]:
    """Return the visible entries of ``folder``, sorted by name."""
    return sorted(path for path in folder.iterdir() if not path.name.startswith("."))


def _case_of(name: str) -> str:
    """Best guess of the case a misnamed file belongs to, for grouping its problem."""
    extension = image_extension(name)
    stem = name[: len(name) - len(extension)] if extension else name.split(".")[0]
    return stem[: -len(CHANNEL_SUFFIX)] if stem.endswith(CHANNEL_SUFFIX) else stem


def _scan(
    folder: Path, subfolder: str, file_ending: str, is_image: bool
) -> tuple[dict[str, str], list[Problem]]:
    """List the cases of one subfolder; report files that do not follow the naming rule.

    Args:
        folder: The dataset folder.
        subfolder: ``imagesTr``, ``labelsTr`` or ``imagesTs``.
        file_ending: The file ending every file must use.
        is_image: True for image folders (``CASE_0000``), False for labels (``CASE``).

    Returns:
        Case identifier to relative file path, and the problems found.
    """
    pattern = f"CASE{CHANNEL_SUFFIX}{file_ending}" if is_image else f"CASE{file_ending}"
    found: dict[str, str] = {}
    problems = []
    for path in _entries(folder / subfolder):
        relative = f"{subfolder}/{path.name}"
        case = _case_of(path.name)
        if path.is_dir():
            problems.append(
                Problem(
                    case,
                    relative,
                    "file name",
                    expected=f"files named {pattern}",
                    found="a folder",
                    fix="Convert the series to one image file (thigh_convert dicom)",
                )
            )
            continue
        if not path.name.endswith(file_ending):
            actual = image_extension(path.name) or (path.suffix or "no extension")
            problems.append(
                Problem(
                    case,
                    relative,
                    "file ending",
                    expected=f"{file_ending} (file_ending of dataset.json)",
                    found=actual,
                    fix=f"Convert the file to {file_ending} or correct file_ending",
                )
            )
            continue
        stem = path.name[: -len(file_ending)]
        if is_image:
            if len(stem) > 5 and stem[-5] == "_" and stem[-4:].isdigit() and stem[-4:] != CHANNEL_SUFFIX[1:]:
                problems.append(
                    Problem(
                        stem[:-5],
                        relative,
                        "channel index",
                        expected=f"{CHANNEL_SUFFIX} (the single CT channel), i.e. {stem[:-5]}{CHANNEL_SUFFIX}{file_ending}",
                        found=stem[-5:],
                        fix=f"Keep one CT image per case, named CASE{CHANNEL_SUFFIX}; if {stem[-5:]} is part of the "
                        f"case name, add the channel suffix: {stem}{CHANNEL_SUFFIX}{file_ending}",
                    )
                )
                continue
            if not stem.endswith(CHANNEL_SUFFIX) or stem == CHANNEL_SUFFIX:
                problems.append(
                    Problem(
                        stem,
                        relative,
                        "file name",
                        expected=f"{pattern}, i.e. {stem}{CHANNEL_SUFFIX}{file_ending}",
                        found=path.name,
                        fix=f"Rename the image to {stem}{CHANNEL_SUFFIX}{file_ending}",
                    )
                )
                continue
            stem = stem[: -len(CHANNEL_SUFFIX)]
        found[stem] = relative
    return found, problems


def _missing_folder(subfolder: str, what: str) -> Problem:
    """Problem for a required subfolder that is missing."""
    return Problem(
        "",
        subfolder,
        "folder structure",
        expected=f"a folder {subfolder}/ with {what}",
        found="no such folder",
        fix="See documentation/dataset_format.md for the layout",
    )


def find_training_cases(folder: Path, file_ending: str) -> tuple[list[CaseFiles], list[Problem]]:
    """Find the training cases (``imagesTr`` with ``labelsTr``) and check names and pairing.

    Args:
        folder: The dataset folder.
        file_ending: The file ending every file must use.

    Returns:
        One :class:`CaseFiles` per correctly named image (sorted), and the problems found.
    """
    problems = []
    images: dict[str, str] = {}
    labels: dict[str, str] = {}
    have_images = (folder / IMAGES_TR).is_dir()
    have_labels = (folder / LABELS_TR).is_dir()
    if have_images:
        images, found = _scan(folder, IMAGES_TR, file_ending, is_image=True)
        problems += found
        if not images and not found:
            problems.append(
                Problem(
                    "",
                    IMAGES_TR,
                    "folder structure",
                    expected="at least one training image",
                    found="an empty folder",
                )
            )
    else:
        problems.append(
            _missing_folder(IMAGES_TR, f"one CT per case named CASE{CHANNEL_SUFFIX}{file_ending}")
        )
    if have_labels:
        labels, found = _scan(folder, LABELS_TR, file_ending, is_image=False)
        problems += found
    else:
        problems.append(_missing_folder(LABELS_TR, f"one label map per case named CASE{file_ending}"))
    if have_images and have_labels:
        for case in sorted(set(images) - set(labels)):
            problems.append(
                Problem(
                    case,
                    images[case],
                    "pairing",
                    expected=f"a label {LABELS_TR}/{case}{file_ending}",
                    found="no label for this image",
                    fix="Add the label or remove the image",
                )
            )
        for case in sorted(set(labels) - set(images)):
            problems.append(
                Problem(
                    case,
                    labels[case],
                    "pairing",
                    expected=f"an image {IMAGES_TR}/{case}{CHANNEL_SUFFIX}{file_ending}",
                    found="no image for this label",
                    fix="Add the image or remove the label",
                )
            )
    cases = [CaseFiles(case, IMAGES_TR, images[case], labels.get(case)) for case in sorted(images)]
    return cases, problems


def find_test_cases(folder: Path, file_ending: str) -> tuple[list[CaseFiles], list[Problem]]:
    """Find the optional test images in ``imagesTs`` and check their names.

    Returns:
        One :class:`CaseFiles` per correctly named image (sorted; none when the
        folder is absent), and the problems found.
    """
    if not (folder / IMAGES_TS).is_dir():
        return [], []
    images, problems = _scan(folder, IMAGES_TS, file_ending, is_image=True)
    return [CaseFiles(case, IMAGES_TS, images[case]) for case in sorted(images)], problems
