"""Keep ``thigh_predict``'s outputs away from its inputs.

``thigh_predict`` writes ``OUT/CASE.nii.gz`` for a scan ``CASE.nii.gz``: with OUT
the folder of the scans, the label map would replace the CT (``--overwrite``), or
the CT would be taken for a finished output and skipped. So an output folder that
holds an input is refused before anything is read: the folder given as ``-i``, the
folder of any input image file (of the link and of the file it points to, for a
symbolic link), any DICOM series folder, or an input file itself. Paths are
compared resolved (symbolic links followed, relative paths from the working folder).

Example:
    >>> scans = find_scans(Path("scans"))  # doctest: +SKIP
    >>> check_outputs_apart_from_inputs(Path("scans"), scans, Path("predictions"))  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from pathlib import Path

from thigh_common.errors import InvalidInputError
from thigh_inference.inputs import ScanInput

logger = logging.getLogger(__name__)


def _input_places(input_path: Path, scans: list[ScanInput]) -> dict[Path, str]:
    """Resolved paths an output folder must not be, each with what it is (for the message)."""
    places: dict[Path, str] = {}
    if input_path.is_dir():
        places[input_path.resolve()] = "the input folder"
    for scan in scans:
        if scan.kind == "dicom":
            places.setdefault(scan.path.resolve(), f"the DICOM series folder of {scan.case_id}")
            continue
        places.setdefault(scan.path.resolve(), f"the input scan {scan.path.name}")
        for folder in (scan.path.absolute().parent.resolve(), scan.path.resolve().parent):
            places.setdefault(folder, f"the folder of the input scan {scan.path.name}")
    return places


def check_outputs_apart_from_inputs(input_path: Path, scans: list[ScanInput], output_folder: Path) -> None:
    """Refuse an output folder that holds an input of ``thigh_predict`` (or is one).

    Args:
        input_path: ``-i`` of ``thigh_predict``: a file or a folder.
        scans: The scans found in it (:func:`thigh_inference.inputs.find_scans`).
        output_folder: ``-o``: the folder the outputs go to.

    Raises:
        InvalidInputError: If the resolved output folder is the input folder, the folder
            of an input image file, a DICOM series folder or an input file; one line that
            names the folder and asks for another ``-o``.
    """
    output = Path(output_folder).expanduser()
    resolved = output.resolve()
    what = _input_places(Path(input_path).expanduser(), scans).get(resolved)
    if what is not None:
        shown = str(output) if output == resolved else f"{output} (= {resolved})"
        raise InvalidInputError(
            f"{shown}: the output folder is {what}; thigh_predict would write its label maps "
            "(CASE.nii.gz) and tables beside the input scans and could replace them. "
            "Choose another output folder with -o, one that holds no input scans"
        )
    logger.debug("output folder %s holds none of the %d input scan(s)", resolved, len(scans))
