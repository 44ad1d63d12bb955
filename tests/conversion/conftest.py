"""Tiny synthetic inputs for the conversion tests: DICOM series, nnU-Net datasets, image/label pairs.

Volumes are 16 x 20 x 12 voxels (x, y, z) with anisotropic spacing and a
non-identity direction, so a lost or transposed geometry shows up.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import SimpleITK as sitk
from support.commands import CommandRun, run_main

from dataset_conversion.cli import main
from thigh_common.image_io import write_image

SHAPE_ZYX = (12, 20, 16)
SPACING = (0.8, 0.9, 2.5)
ORIGIN = (-100.0, 50.0, 300.0)
RESCALE_INTERCEPT = -1024


def rotation_direction(degrees: float = 30.0) -> tuple[float, ...]:
    """A proper rotation (det +1) about z, then tilted 10 degrees about x; row-major 3x3."""
    a, b = np.deg2rad(degrees), np.deg2rad(10.0)
    rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    return tuple((rx @ rz).ravel())


DIRECTION = rotation_direction()


def ct_array(seed: int = 0, shape=SHAPE_ZYX) -> np.ndarray:
    """CT-like int16 HU volume ``(z, y, x)``: air, a body of fat and muscle, noise."""
    rng = np.random.default_rng(seed)
    array = np.full(shape, -1000, np.int16)
    array[:, 2:-2, 2:-2] = -100
    array[:, 4:-4, 4:-4] = 40
    return (array + rng.integers(-20, 21, size=shape)).astype(np.int16)


def source_labels(values=(1, 2, 3), shape=SHAPE_ZYX) -> np.ndarray:
    """uint8 labels ``(z, y, x)``: value ``values[i]`` in slab ``i`` of the body, 0 elsewhere."""
    labels = np.zeros(shape, np.uint8)
    for index, value in enumerate(values):
        labels[index * 2 : index * 2 + 2, 5:10, 5:10] = value
    return labels


def to_image(array: np.ndarray, spacing=SPACING, origin=ORIGIN, direction=DIRECTION) -> sitk.Image:
    """Wrap ``array`` ``(z, y, x)`` with the test geometry."""
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(spacing)
    image.SetOrigin(origin)
    image.SetDirection(direction)
    return image


def write_dicom_series(
    folder: Path,
    hu_zyx: np.ndarray | None = None,
    spacing=SPACING,
    origin=ORIGIN,
    direction=DIRECTION,
    series_uid: str = "1.2.826.0.1.3680043.2.1125.1.1",
    modality: str = "CT",
    description: str = "synthetic",
    prefix: str = "slice",
    image_type: str | None = None,
) -> sitk.Image:
    """Write ``hu_zyx`` as a DICOM series, one file per slice; return the reference image (HU, geometry).

    ``image_type`` is written as ImageType (0008|0008), e.g. ``"ORIGINAL\\PRIMARY\\LOCALIZER"``.
    """
    hu_zyx = ct_array() if hu_zyx is None else hu_zyx
    # GDCM applies the inverse rescale on writing: files store HU - intercept, with the rescale tags.
    image = to_image(hu_zyx.astype(np.int16), spacing, origin, direction)
    folder.mkdir(parents=True, exist_ok=True)
    matrix = np.asarray(direction).reshape(3, 3)
    orientation = "\\".join(f"{value:.10f}" for value in (*matrix[:, 0], *matrix[:, 1]))
    writer = sitk.ImageFileWriter()
    writer.KeepOriginalImageUIDOn()
    depth = image.GetDepth()
    for index in range(depth):
        slice_image = image[:, :, index]
        position = image.TransformIndexToPhysicalPoint((0, 0, index))
        tags = {
            "0008|0016": "1.2.840.10008.5.1.4.1.1.2",
            "0008|0018": f"{series_uid}.{index + 1}",
            "0008|0060": modality,
            "0008|103e": description,
            "0020|000d": f"{series_uid}.999",
            "0020|000e": series_uid,
            "0020|0013": str(index + 1),
            "0020|0032": "\\".join(f"{value:.10f}" for value in position),
            "0020|0037": orientation,
            "0028|0030": f"{spacing[1]:.10f}\\{spacing[0]:.10f}",
            "0018|0050": f"{spacing[2]:.10f}",
            "0028|1052": str(RESCALE_INTERCEPT),
            "0028|1053": "1",
        }
        if image_type is not None:
            tags["0008|0008"] = image_type
        for tag, value in tags.items():
            slice_image.SetMetaData(tag, value)
        # File names in reverse slice order: the reader must sort by position, not by name.
        writer.SetFileName(str(folder / f"{prefix}_{depth - index:03d}.dcm"))
        writer.Execute(slice_image)
    return image


def write_nnunet_dataset(
    root: Path,
    labels: dict | None = None,
    file_ending: str = ".nrrd",
    n_cases: int = 2,
    n_test: int = 1,
    channel_names: dict | None = None,
    label_values=(1, 2, 3),
) -> Path:
    """Write an nnU-Net v2 raw dataset with source labels ``labels`` (name -> value); return its folder."""
    folder = root / "Dataset042_Source"
    labels = labels or {"background": 0, "Vastus-Lateralis": 1, "adductor magnus": 2, "adductor longus": 3}
    for index in range(n_cases):
        case = f"src_{index:03d}"
        write_image(to_image(ct_array(index)), folder / "imagesTr" / f"{case}_0000{file_ending}")
        write_image(to_image(source_labels(label_values)), folder / "labelsTr" / f"{case}{file_ending}")
    for index in range(n_test):
        write_image(
            to_image(ct_array(50 + index)), folder / "imagesTs" / f"test_{index:03d}_0000{file_ending}"
        )
    content = {
        "channel_names": channel_names or {"0": "CT"},
        "labels": labels,
        "numTraining": n_cases,
        "file_ending": file_ending,
    }
    (folder / "dataset.json").write_text(json.dumps(content), encoding="utf-8")
    return folder


def run_cli(*arguments: str) -> CommandRun:
    """Run ``thigh_convert`` in this process (``main(argv)``) and return its exit code and output."""
    return run_main(main, *arguments)


@pytest.fixture
def synth() -> SimpleNamespace:
    """The builders above, for the tests."""
    return SimpleNamespace(
        ct_array=ct_array,
        source_labels=source_labels,
        to_image=to_image,
        write_dicom_series=write_dicom_series,
        write_nnunet_dataset=write_nnunet_dataset,
        run_cli=run_cli,
        direction=DIRECTION,
        spacing=SPACING,
        origin=ORIGIN,
    )
