"""One preprocessed leg on disk: normalised image, labels and the transform back to its scan.

Files of leg ``CASE_SIDE`` in a ``legs/`` folder:

- ``CASE_SIDE.npy``: float32 normalised image ``(z, y, x)`` on the femur-aligned crop grid;
- ``CASE_SIDE_seg.npy``: uint8 labels on the same grid (training cases only);
- ``CASE_SIDE_air.npy``: boolean air mask on the same grid (HU below the air threshold before
  windowing), so the trainer's validation clears air exactly as ``thigh_predict`` does;
- ``CASE_SIDE.json``: the frame, midline, detection and the scan's geometry; written last,
  so its presence marks the leg complete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk

from thigh_common.atomic import atomic_path, write_json_atomic
from thigh_planner.normalisation.leg_frame import LegFrame
from thigh_planner.normalisation.midline import MidlinePlane


def leg_id(case_id: str, side: str) -> str:
    """Name of a case's leg, e.g. ``case_001_left``."""
    return f"{case_id}_{side}"


@dataclass(frozen=True)
class ScanGeometry:
    """The grid of the original scan, enough to map labels back onto it."""

    size_xyz: tuple[int, int, int]
    spacing_mm: tuple[float, float, float]
    origin_mm: tuple[float, float, float]
    direction: tuple[float, ...]

    @classmethod
    def of(cls, image: sitk.Image) -> ScanGeometry:
        """Read the geometry of ``image``."""
        return cls(image.GetSize(), image.GetSpacing(), image.GetOrigin(), image.GetDirection())

    def reference_image(self) -> sitk.Image:
        """An empty image on this grid."""
        image = sitk.Image([int(v) for v in self.size_xyz], sitk.sitkUInt8)
        image.SetSpacing(self.spacing_mm)
        image.SetOrigin(self.origin_mm)
        image.SetDirection(self.direction)
        return image

    def to_dict(self) -> dict[str, Any]:
        """Serialise to plain JSON types."""
        return {
            "size_xyz": [int(v) for v in self.size_xyz],
            "spacing_mm": [float(v) for v in self.spacing_mm],
            "origin_mm": [float(v) for v in self.origin_mm],
            "direction": [float(v) for v in self.direction],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanGeometry:
        """Rebuild from :meth:`to_dict`."""
        return cls(
            tuple(int(v) for v in data["size_xyz"]),
            tuple(float(v) for v in data["spacing_mm"]),
            tuple(float(v) for v in data["origin_mm"]),
            tuple(float(v) for v in data["direction"]),
        )


@dataclass(frozen=True)
class LegRecord:
    """Everything about a preprocessed leg except its arrays."""

    case_id: str
    side: str
    frame: LegFrame
    midline: MidlinePlane | None
    scan: ScanGeometry
    detection: dict[str, Any]

    @property
    def leg_id(self) -> str:
        """The leg's name."""
        return leg_id(self.case_id, self.side)

    def to_dict(self) -> dict[str, Any]:
        """Serialise to plain JSON types."""
        return {
            "case_id": self.case_id,
            "side": self.side,
            "mirrored": self.side == "left",
            "frame": self.frame.to_dict(),
            "midline": None if self.midline is None else self.midline.to_dict(),
            "scan": self.scan.to_dict(),
            "detection": self.detection,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LegRecord:
        """Rebuild from :meth:`to_dict`."""
        midline = data.get("midline")
        return cls(
            case_id=data["case_id"],
            side=data["side"],
            frame=LegFrame.from_dict(data["frame"]),
            midline=None if midline is None else MidlinePlane.from_dict(midline),
            scan=ScanGeometry.from_dict(data["scan"]),
            detection=data["detection"],
        )


def _save_array(array: np.ndarray, path: Path) -> None:
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        np.save(handle, array)


def save_leg(
    folder: Path,
    record: LegRecord,
    image: np.ndarray,
    labels: np.ndarray | None,
    air: np.ndarray | None = None,
) -> None:
    """Write a preprocessed leg; the JSON goes last so a crash never leaves a leg that looks complete."""
    name = record.leg_id
    _save_array(image.astype(np.float32, copy=False), folder / f"{name}.npy")
    if labels is not None:
        _save_array(labels.astype(np.uint8, copy=False), folder / f"{name}_seg.npy")
    if air is not None:
        _save_array(air.astype(bool, copy=False), folder / f"{name}_air.npy")
    write_json_atomic(record.to_dict(), folder / f"{name}.json")


def load_leg(folder: Path, name: str, mmap: bool = False) -> tuple[LegRecord, np.ndarray, np.ndarray | None]:
    """Read a preprocessed leg written by :func:`save_leg`."""
    record = LegRecord.from_dict(json.loads((folder / f"{name}.json").read_text(encoding="utf-8")))
    mode = "r" if mmap else None
    image = np.load(folder / f"{name}.npy", mmap_mode=mode)
    seg_path = folder / f"{name}_seg.npy"
    labels = np.load(seg_path, mmap_mode=mode) if seg_path.exists() else None
    return record, image, labels


def load_air_mask(folder: Path, name: str) -> np.ndarray | None:
    """The leg's air mask (``CASE_SIDE_air.npy``), or None for a leg planned before it was written."""
    path = Path(folder) / f"{name}_air.npy"
    return np.load(path) if path.exists() else None
