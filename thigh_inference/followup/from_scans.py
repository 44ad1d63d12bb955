"""``thigh_followup -m MODEL``: predict the scans of both time points with one model, then compare them.

With a model, ``--baseline`` and ``--followup`` name scans instead of ``thigh_predict``
outputs: a CT file, a DICOM series folder, or a folder of either, as ``thigh_predict -i``
takes them. Each time point is predicted by ``thigh_predict`` itself, into ``OUT/baseline``
and ``OUT/followup`` (a rerun skips the scans already predicted there), and the two runs
are then compared as any two runs are. When each time point is a single scan and no
pairing file is given, the two scans are one subject, named after the baseline scan.

Example:
    >>> runs = predict_time_points(options)  # doctest: +SKIP
    >>> runs.baseline, runs.followup  # doctest: +SKIP
    (PosixPath('change/baseline'), PosixPath('change/followup'))
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from thigh_common.errors import InvalidInputError
from thigh_inference.followup.pairing import Pair
from thigh_inference.inputs import find_scans

logger = logging.getLogger(__name__)

BASELINE_RUN, FOLLOWUP_RUN = "baseline", "followup"
"""The folders under OUT that take the predictions of the two time points."""
PARTLY_FAILED = 1
"""``thigh_predict``'s exit status when some scans failed and the others were predicted."""


@dataclass(frozen=True)
class PredictedRuns:
    """The two ``thigh_predict`` runs made from scans.

    Attributes:
        baseline: Output folder of the baseline scans' run.
        followup: Output folder of the follow-up scans' run.
        single_pair: The subject, when each time point is one scan; None otherwise.
    """

    baseline: Path
    followup: Path
    single_pair: Pair | None


def predict_time_points(
    baseline: Path, followup: Path, output: Path, model: str, device: str = "auto", precision: str = "auto"
) -> PredictedRuns:
    """Predict the scans of both time points with ``model`` into ``output/baseline`` and ``output/followup``.

    Args:
        baseline: The baseline scans (what ``thigh_predict -i`` takes).
        followup: The follow-up scans.
        output: The output folder of ``thigh_followup``.
        model: What ``thigh_predict -m`` takes: a model folder, a fold folder, an archive or an
            installed model's name.
        device: ``--device`` of ``thigh_predict``.
        precision: ``--precision`` of ``thigh_predict``.

    Returns:
        The two runs, and the pair of scans when each time point is a single scan.

    Raises:
        InvalidInputError: If a time point holds no scan, or ``thigh_predict`` refused a time point
            (its reason is in the log above).
    """
    from thigh_inference.cli import main as predict_main

    cases = []
    for scans, what in ((baseline, "baseline"), (followup, "follow-up")):
        try:
            found = find_scans(scans)
        except InvalidInputError as error:
            raise InvalidInputError(f"{what} scans: {error}") from error
        cases.append([scan.case_id for scan in found])
        logger.info("%s: %d scan(s) in %s", what, len(found), scans)
    runs = (output / BASELINE_RUN, output / FOLLOWUP_RUN)
    for scans, run, what in ((baseline, runs[0], "baseline"), (followup, runs[1], "follow-up")):
        argv = ["-i", str(scans), "-o", str(run), "-m", model, "--device", device, "--precision", precision]
        code = predict_main(argv)
        if code not in (0, PARTLY_FAILED):
            raise InvalidInputError(
                f"thigh_predict could not predict the {what} scans {scans} (exit status {code}; "
                "its reason is logged above); nothing was compared"
            )
    single = None
    if len(cases[0]) == 1 and len(cases[1]) == 1:
        single = Pair(cases[0][0], cases[0][0], cases[1][0])
    return PredictedRuns(runs[0], runs[1], single)
