"""Predict a whole scan: find and normalise its legs, predict each, map the labels back and merge.

The result is a label map on the input's own grid (size, spacing, origin and
direction), so it overlays the scan in 3D Slicer or ITK-SNAP.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import SimpleITK as sitk

from thigh_common.labels import NUM_CLASSES
from thigh_inference.leg_ensemble import predict_leg
from thigh_inference.postprocessing import clear_labels_in_air
from thigh_inference.quality import LegQuality
from thigh_inference.settings import PredictionSettings
from thigh_inference.trained_model import TrainedModel
from thigh_planner.detection.thigh_detector import ThighDetection, detect_thighs
from thigh_planner.normalisation.resampling import labels_to_original, paste_region
from thigh_planner.preprocess_case import preprocess_scan


@dataclass
class ScanPrediction:
    """The prediction of one scan.

    Attributes:
        labels: uint8 label map ``(z, y, x)`` on the scan's grid, both legs merged.
        detection: The thighs found (legs present, midline).
        leg_probabilities: Per side, the mean probabilities on the leg's crop grid (if asked for).
        seconds: Time per step: ``preprocessing``, ``networks``, ``voting``, ``mapping``.
        left: Boolean ``(z, y, x)``, True where a label came from the left leg (the side of each
            labelled voxel, for the muscle tables); None when fewer than two legs were segmented.
        quality: Per side, the muscles' quality scores (when ``settings.quality``).
    """

    labels: np.ndarray
    detection: ThighDetection
    leg_probabilities: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    left: np.ndarray | None = None
    quality: dict[str, LegQuality] = field(default_factory=dict)


def predict_scan(
    image: sitk.Image,
    model: TrainedModel,
    case_id: str,
    settings: PredictionSettings = PredictionSettings(),  # noqa: B008 - frozen, immutable default
) -> ScanPrediction:
    """Segment the thigh muscles of one CT scan.

    Args:
        image: The scan in HU.
        model: The trained model (its plans set the preprocessing).
        case_id: Name of the scan, for messages.
        settings: Device, mixed precision, voting, postprocessing (the largest component of each
            muscle, and no muscle in air) and whether to keep each leg's mean probabilities on its crop grid.

    Raises:
        NoThighFoundError: If the scan holds no thigh.
    """
    seconds = {"preprocessing": 0.0, "networks": 0.0, "voting": 0.0, "mapping": 0.0}
    started = time.perf_counter()
    detection = detect_thighs(image, source=case_id)
    legs = preprocess_scan(image, model.plans, case_id, detection)
    seconds["preprocessing"] = time.perf_counter() - started
    scan = sitk.GetArrayViewFromImage(image)
    labels = np.zeros(scan.shape, dtype=np.uint8)
    left = np.zeros(labels.shape, dtype=bool) if len(legs) > 1 else None
    prediction = ScanPrediction(labels, detection, seconds=seconds, left=left)
    for record, crop, _, air in legs:
        leg = predict_leg(model, crop, settings, air)
        seconds["networks"] += leg.seconds_networks
        seconds["voting"] += leg.seconds_voting
        mapping_started = time.perf_counter()
        region, leg_labels = labels_to_original(leg.labels, record.frame, image, NUM_CLASSES, record.midline)
        if settings.postprocess and not region.is_empty:  # labels lie only in the legs' regions
            clear_labels_in_air(leg_labels, scan[region.numpy_slices])
        paste_region(labels, region, leg_labels)
        if left is not None and not region.is_empty:  # the leg pasted last owns a shared voxel
            left[region.numpy_slices][leg_labels > 0] = record.side == "left"
        seconds["mapping"] += time.perf_counter() - mapping_started
        if leg.probabilities is not None:
            prediction.leg_probabilities[record.side] = leg.probabilities
        if leg.quality is not None:
            prediction.quality[record.side] = leg.quality
    return prediction
