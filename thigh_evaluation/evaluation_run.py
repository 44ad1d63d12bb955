"""What ``thigh_evaluate -r REF -p PRED -o OUT`` does: match the cases, score each, summarise, write.

See "Inputs and case matching" in ``documentation/thigh_evaluate.md``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from tqdm import tqdm

from thigh_common.errors import InvalidInputError
from thigh_common.image_io import CHANNEL_SUFFIX, IMAGE_EXTENSIONS, image_extension, strip_extension
from thigh_common.listing import listed
from thigh_evaluation.case_metrics import evaluate_case
from thigh_evaluation.metrics_table import (
    METRICS_FILE,
    SUMMARY_CSV,
    SUMMARY_JSON,
    metrics_frame,
    summarise,
    write_metrics_csv,
    write_summaries,
)

logger = logging.getLogger(__name__)

CasePair = tuple[str, Path, Path]  # case id, reference and predicted label map


def label_files(folder: Path, role: str, cases: set[str] | None = None) -> dict[str, Path]:
    """The label map files directly in ``folder`` by case id; ``cases`` must have one file each (None: all).

    Raises:
        InvalidInputError: If the folder does not exist, holds no image file, or two files of one case.
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
            f"{role} folder {folder} holds no label map: expected CASE files ending in {', '.join(IMAGE_EXTENSIONS)}"
        )
    clashes = [
        f"{case}: {', '.join(path.name for path in paths)}"
        for case, paths in sorted(by_case.items())
        if len(paths) > 1 and (cases is None or case in cases)
    ]
    if clashes:
        raise InvalidInputError(
            f"{role} folder {folder} holds several label maps of one case ({'; '.join(clashes)}); "
            "keep one file per case"
        )
    return {case: paths[0] for case, paths in by_case.items()}


def match_cases(reference_folder: Path, prediction_folder: Path) -> tuple[list[CasePair], list[str]]:
    """The cases with both files, and the reference cases without a prediction (warned about), in id order.

    Raises:
        InvalidInputError: If a folder is missing or holds no label map, or no case has a prediction.
    """
    references = label_files(reference_folder, "reference")
    predictions = label_files(prediction_folder, "prediction", set(references))
    matched = [
        (case, references[case], predictions[case]) for case in sorted(references) if case in predictions
    ]
    missing = [case for case in sorted(references) if case not in predictions]
    if not matched:
        hint = ""
        if all(case.endswith(CHANNEL_SUFFIX) for case in references):
            hint = (
                f" The reference files end in {CHANNEL_SUFFIX}, like CT images: give the dataset's labelsTr "
                "folder, not imagesTr."
            )
        raise InvalidInputError(
            f"no reference case of {reference_folder} has a prediction in {prediction_folder}: reference cases "
            f"{listed(sorted(references), 5)}; label maps in the prediction folder {listed(sorted(predictions), 5)}. "
            f"A prediction must be named like its reference (CASE.nii.gz).{hint}"
        )
    for case in missing:
        logger.warning(
            "%s: no prediction in %s; the case is left out of the evaluation", case, prediction_folder
        )
    extra = sorted(set(predictions) - set(references))
    if extra:
        logger.info("%d prediction(s) without a reference are ignored: %s", len(extra), listed(extra, 5))
    return matched, missing


def evaluate_folders(reference: Path, prediction: Path, output: Path, workers: int = 1) -> dict[str, Any]:
    """Evaluate every reference case that has a prediction (in ``workers`` processes); write the outputs.

    Returns:
        The content of ``summary.json``.

    Raises:
        InvalidInputError: For a missing or empty folder, no matching case, an output folder that
            is an input folder, or a case that cannot be evaluated (its message names the case).
    """
    for role, folder in (("prediction", prediction), ("reference", reference)):
        if folder.exists() and output.resolve() == folder.resolve():
            raise InvalidInputError(
                f"the output folder {output} is the {role} folder; choose another -o so that "
                "the evaluation files do not mix with (or overwrite, like summary.csv) the label maps' folder"
            )
    matched, missing = match_cases(reference, prediction)
    logger.info(
        "evaluating %d case(s) of %s against %s (%d without prediction)",
        *(len(matched), reference, prediction, len(missing)),
    )
    progress = {"desc": "evaluating", "unit": "case", "total": len(matched), "disable": None}
    if workers <= 1 or len(matched) <= 1:
        results = [evaluate_case(*pair) for pair in tqdm(matched, **progress)]
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(matched))) as pool:
            results = list(tqdm(pool.map(evaluate_case, *zip(*matched, strict=True)), **progress))
    for result in results:
        logger.debug("%s: %s", result.case, result.legs.reason)
    frame = metrics_frame(results)
    legs = {result.case: result.legs.to_dict() for result in results}
    summary = summarise(frame, reference.resolve(), prediction.resolve(), missing, legs)
    write_metrics_csv(frame, output / METRICS_FILE)
    write_summaries(summary, output)
    logger.info("wrote %s, %s and %s to %s", METRICS_FILE, SUMMARY_JSON, SUMMARY_CSV, output)
    return summary
