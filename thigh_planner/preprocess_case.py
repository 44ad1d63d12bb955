"""Preprocess one case: crop each leg along its femur, resample, mirror the left, window the HU."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import SimpleITK as sitk

from thigh_common.image_io import read_image
from thigh_planner.detection.thigh_detector import ThighDetection, detect_thighs
from thigh_planner.normalisation.intensity import AIR_THRESHOLD_HU, normalise_hu
from thigh_planner.normalisation.leg_frame import build_leg_frame
from thigh_planner.normalisation.resampling import image_to_frame, labels_to_frame
from thigh_planner.plans.schema import Plans
from thigh_planner.preprocessed_leg import LegRecord, ScanGeometry, save_leg


class PreprocessedLeg(NamedTuple):
    """One normalised leg of a scan held in memory.

    Attributes:
        record: Frame, midline, detection and the scan's grid.
        image: Normalised float32 crop ``(z, y, x)``.
        labels: uint8 labels on the crop (None without labels).
        air: Boolean ``(z, y, x)``: crop voxels below ``AIR_THRESHOLD_HU`` before windowing
            (air, and beyond the midline), which can never be muscle. Voxels outside the scan
            repeat the nearest scan voxel (see :func:`image_to_frame`).
    """

    record: LegRecord
    image: np.ndarray
    labels: np.ndarray | None
    air: np.ndarray


def preprocess_scan(
    image: sitk.Image,
    plans: Plans,
    case_id: str,
    detection: ThighDetection | None = None,
    labels: sitk.Image | None = None,
    expected_shaft_length_mm: float = 300.0,
) -> list[PreprocessedLeg]:
    """Normalise every leg of a scan held in memory.

    Args:
        image: The scan in HU.
        plans: The plans (field of view, spacing, window).
        case_id: Name of the scan, for records and messages.
        detection: The thighs found before (from the fingerprint); detected now when None.
        labels: The scan's label map, if any (same grid).
        expected_shaft_length_mm: Passed to the detector when it runs.

    Returns:
        One :class:`PreprocessedLeg` per leg found.

    Raises:
        NoThighFoundError: If the scan holds no thigh.
    """
    if detection is None:
        detection = detect_thighs(image, expected_shaft_length_mm, source=case_id)
    legs = []
    for side, leg in detection.legs.items():
        centre = np.asarray(leg.center_mm) + plans.crop_offset_mm * np.asarray(leg.axis_direction)
        frame = build_leg_frame(
            side, centre, leg.axis_direction, plans.field_of_view_mm, plans.target_spacing_mm
        )
        hu = image_to_frame(image, frame, detection.midline)
        normalised = normalise_hu(hu, plans.window_hu, plans.normalisation, plans.mean_hu, plans.std_hu)
        crop_labels = None if labels is None else labels_to_frame(labels, frame, detection.midline)
        record = LegRecord(case_id, side, frame, detection.midline, ScanGeometry.of(image), leg.to_dict())
        legs.append(PreprocessedLeg(record, normalised, crop_labels, hu < AIR_THRESHOLD_HU))
    return legs


def preprocess_case(
    case_id: str,
    image_path: Path,
    label_path: Path | None,
    plans: Plans,
    output_folder: Path,
    detection: ThighDetection | None = None,
) -> list[str]:
    """Preprocess one case from disk and write its legs to ``output_folder``.

    Returns:
        The names of the legs written.
    """
    image = read_image(image_path)
    labels = None if label_path is None else read_image(label_path)
    written = []
    for record, normalised, crop_labels, air in preprocess_scan(image, plans, case_id, detection, labels):
        save_leg(output_folder, record, normalised, crop_labels, air)
        written.append(record.leg_id)
    return written
