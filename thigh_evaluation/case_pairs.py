"""Match the reference label maps of a folder with the predicted ones of another.

The reference folder (e.g. a dataset's ``labelsTr``) holds one label map per case,
``CASE.nii.gz`` (or ``.nii``, ``.nrrd``, ``.nhdr``, ``.mha``, ``.mhd``); its case ids drive
the matching. The prediction folder (e.g. the output of ``thigh_predict``) is searched
for ``CASE`` with any of these extensions; its other files (``CASE_muscles.csv``,
overlays, ``summary.csv``, colour tables, predictions of cases without a reference) are
ignored. Hidden files (such as half-written ``.part`` files) are skipped.

Example:
    >>> pairs = match_cases(Path("Dataset001/labelsTr"), Path("predictions"))  # doctest: +SKIP
    >>> [pair.case_id for pair in pairs.matched], pairs.missing  # doctest: +SKIP
    (['case_01', 'case_02'], ['case_03'])
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from thigh_common.errors import InvalidInputError
from thigh_common.image_io import CHANNEL_SUFFIX, IMAGE_EXTENSIONS, image_extension, strip_extension

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CasePair:
    """One case to evaluate: its reference and predicted label maps."""

    case_id: str
    reference: Path
    prediction: Path


@dataclass(frozen=True)
class CasePairs:
    """The result of matching two folders.

    Attributes:
        matched: The cases with both files, in case-id order.
        missing: Reference cases without a prediction, in case-id order.
    """

    matched: tuple[CasePair, ...]
    missing: tuple[str, ...]


def label_files(folder: Path, role: str, cases: set[str] | None = None) -> dict[str, Path]:
    """The label map files directly in ``folder`` by case id.

    Args:
        folder: The folder to list.
        role: ``"reference"`` or ``"prediction"``, for messages.
        cases: The case ids that must have one file only (None: all of them).

    Raises:
        InvalidInputError: If the folder does not exist, holds no image file, or holds two files
            of one case of ``cases``.
    """
    if not folder.is_dir():
        raise InvalidInputError(
            f"{role} folder {folder} not found: expected a folder of CASE.nii.gz label maps"
        )
    by_case: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith(".") and image_extension(path) is not None:
            by_case[strip_extension(path)].append(path)
    if not by_case:
        raise InvalidInputError(
            f"{role} folder {folder} holds no label map: expected CASE files ending in "
            f"{', '.join(IMAGE_EXTENSIONS)}"
        )
    clashes = {
        case: paths for case, paths in by_case.items() if len(paths) > 1 and (cases is None or case in cases)
    }
    if clashes:
        listing = "; ".join(
            f"{case}: {', '.join(p.name for p in paths)}" for case, paths in sorted(clashes.items())
        )
        raise InvalidInputError(
            f"{role} folder {folder} holds several label maps of one case ({listing}); keep one file per case"
        )
    return {case: paths[0] for case, paths in by_case.items()}


def match_cases(reference_folder: Path, prediction_folder: Path) -> CasePairs:
    """Pair every reference case with its prediction.

    Args:
        reference_folder: Folder of reference label maps.
        prediction_folder: Folder of predicted label maps.

    Returns:
        The matched cases and the reference cases without a prediction (each logged as a warning).

    Raises:
        InvalidInputError: If a folder is missing or holds no label map, or no case has a
            prediction.
    """
    references = label_files(reference_folder, "reference")
    predictions = label_files(prediction_folder, "prediction", set(references))
    matched = tuple(
        CasePair(case, references[case], predictions[case])
        for case in sorted(references)
        if case in predictions
    )
    missing = tuple(case for case in sorted(references) if case not in predictions)
    if not matched:
        hint = ""
        if all(case.endswith(CHANNEL_SUFFIX) for case in references):
            hint = (
                f" The reference files end in {CHANNEL_SUFFIX}, like CT images: give the dataset's labelsTr "
                "folder, not imagesTr."
            )
        raise InvalidInputError(
            f"no reference case of {reference_folder} has a prediction in {prediction_folder}: reference cases "
            f"{_examples(sorted(references))}; label maps in the prediction folder {_examples(sorted(predictions))}. "
            f"A prediction must be named like its reference (CASE.nii.gz).{hint}"
        )
    for case in missing:
        logger.warning(
            "%s: no prediction in %s; the case is left out of the evaluation", case, prediction_folder
        )
    extra = sorted(set(predictions) - set(references))
    if extra:
        logger.info("%d prediction(s) without a reference are ignored: %s", len(extra), _examples(extra))
    return CasePairs(matched, missing)


def _examples(names: list[str], limit: int = 5) -> str:
    """At most ``limit`` names, and how many more."""
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"
