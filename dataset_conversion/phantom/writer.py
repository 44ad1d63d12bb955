"""Write a raw phantom dataset: images, labels, ground truth, previews and ``dataset.json``."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import SimpleITK as sitk
from tqdm import tqdm

from dataset_conversion.phantom import GENERATOR_VERSION
from dataset_conversion.phantom.conditions.registry import parse_conditions
from dataset_conversion.phantom.grid import check_size
from dataset_conversion.phantom.orientation import layout_for_case
from thigh_common.atomic import write_json_atomic
from thigh_common.dataset_json import make_dataset_json, write_dataset_json
from thigh_common.errors import InvalidInputError
from thigh_common.image_io import image_file_name, label_file_name, write_image

logger = logging.getLogger(__name__)

CASE_FOLDERS = ("imagesTr", "labelsTr", "phantom_truth", "preview")
LEG_OPTIONS = ("both", "left", "right")


@dataclass(frozen=True)
class PhantomRequest:
    """What to generate.

    Attributes:
        output: Dataset folder.
        num_cases: Number of cases.
        seed: Dataset seed; case k depends only on (seed, k).
        size: ``tiny``, ``small`` or ``clinical``.
        directions: ``identity``, ``flip``, ``permute`` or ``mixed``.
        legs: ``both``, ``left`` or ``right``.
        start_index: Index of the first case (names ``phantom_{index:03d}``).
        preview: Write a PNG per case.
        overwrite: Replace cases already in the folder.
        conditions: Clinical conditions, each a comma-separated list of ``NAME`` or ``NAME=VALUE``
            (see :mod:`~dataset_conversion.phantom.conditions`); empty for the default phantom.
    """

    output: Path
    num_cases: int
    seed: int = 0
    size: str = "small"
    directions: str = "identity"
    legs: str = "both"
    start_index: int = 0
    preview: bool = False
    overwrite: bool = False
    conditions: tuple[str, ...] = ()


def case_name(index: int) -> str:
    """Name of case ``index``."""
    return f"phantom_{index:03d}"


def existing_cases(output: Path) -> list[Path]:
    """Case files (images or labels) already in ``output``."""
    found: list[Path] = []
    for folder in ("imagesTr", "labelsTr"):
        if (output / folder).is_dir():
            found += sorted((output / folder).glob("*.nii*"))
    return found


def check_request(request: PhantomRequest) -> None:
    """Raise :class:`InvalidInputError` with a clear message for a request that cannot be met."""
    check_size(request.size)
    parse_conditions(request.conditions)
    layout_for_case(request.directions, 0)
    if request.num_cases < 1:
        raise InvalidInputError(f"-n/--num-cases must be at least 1, got {request.num_cases}")
    if request.start_index < 0:
        raise InvalidInputError(f"--start-index must be 0 or more, got {request.start_index}")
    if request.legs not in LEG_OPTIONS:
        raise InvalidInputError(f"unknown --legs {request.legs!r}; expected one of {', '.join(LEG_OPTIONS)}")
    if request.output.exists() and not request.output.is_dir():
        raise InvalidInputError(f"{request.output}: exists and is not a folder; choose another output folder")
    cases = existing_cases(request.output)
    if cases and not request.overwrite:
        raise InvalidInputError(
            f"{request.output}: already holds {len(cases)} case file(s) (e.g. {cases[0].name}); "
            "pass --overwrite to replace them or choose an empty folder"
        )


def _clear(output: Path) -> None:
    """Remove the files of earlier cases (only in the folders this tool writes)."""
    for folder in CASE_FOLDERS:
        directory = output / folder
        if directory.is_dir():
            for path in directory.iterdir():
                if path.is_file():
                    path.unlink()


def write_dataset(request: PhantomRequest) -> list[str]:
    """Generate and write the cases of ``request``.

    Args:
        request: What to generate.

    Returns:
        The names of the written cases.

    Raises:
        InvalidInputError: If the request is invalid or the folder holds cases without ``overwrite``.
    """
    from dataset_conversion.phantom.case import generate_case

    check_request(request)
    conditions = parse_conditions(request.conditions)
    output = request.output
    if request.overwrite:
        _clear(output)
    for folder in ("imagesTr", "labelsTr", "phantom_truth"):
        (output / folder).mkdir(parents=True, exist_ok=True)
    names = []
    indices = range(request.start_index, request.start_index + request.num_cases)
    for index in tqdm(indices, desc="phantom cases", unit="case", disable=request.num_cases < 2):
        name = case_name(index)
        layout = layout_for_case(request.directions, index)
        case = generate_case(
            request.seed,
            index,
            request.size,
            layout,
            request.legs,
            progress=request.size == "clinical",
            conditions=conditions,
        )
        write_image(case.image, output / "imagesTr" / image_file_name(name))
        write_image(case.label, output / "labelsTr" / label_file_name(name))
        write_json_atomic(case.truth, output / "phantom_truth" / f"{name}.json")
        if request.preview:
            _write_case_preview(case, output / "preview" / f"{name}.png")
        logger.debug("wrote %s (%s, %s)", name, layout, case.truth["canonical_shape_zyx"])
        names.append(name)
    num_training = len(list((output / "labelsTr").glob("*.nii.gz")))
    phantom = {
        "generator": "thigh_synth",
        "version": GENERATOR_VERSION,
        "seed": request.seed,
        "size": request.size,
        "directions": request.directions,
        "legs": request.legs,
        "cases": names,
    }
    if conditions:
        phantom["conditions"] = list(conditions)
    write_dataset_json(
        output,
        make_dataset_json(
            num_training,
            name="thigh_synth phantom",
            description="Synthetic thigh CT phantom (pelvis to upper shin) with ten labelled muscles per leg",
            phantom=phantom,
        ),
    )
    return names


def _write_case_preview(case, path: str | os.PathLike[str]) -> None:
    """Preview from the written images, resampled back to the canonical grid (identity direction)."""
    from dataset_conversion.phantom.preview import write_preview

    reference = sitk.Image(list(reversed(case.grid.shape)), sitk.sitkUInt8)
    reference.SetSpacing(case.grid.spacing)
    reference.SetOrigin(case.grid.origin)
    image = sitk.GetArrayFromImage(
        sitk.Resample(case.image, reference, sitk.Transform(), sitk.sitkNearestNeighbor)
    )
    labels = sitk.GetArrayFromImage(
        sitk.Resample(case.label, reference, sitk.Transform(), sitk.sitkNearestNeighbor)
    )
    legs = case.truth["legs"]
    leg = legs.get("left") or legs.get("right")
    low, high = leg["thigh_z_range_mm"]
    centre_x = float(np.mean([leg["femoral_head_centre_mm"][0], leg["knee_centre_mm"][0]]))
    title = f"{case.truth['case']}  layout={case.truth['layout']}  noise={case.truth['noise_sigma_hu']} HU"
    write_preview(image, labels, case.grid, 0.5 * (low + high), centre_x, path, title)
