"""Write a tiny synthetic CT DICOM series (one file per slice) with SimpleITK, for tests outside conversion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk


def write_ct_series(
    folder: Path,
    hu_zyx: np.ndarray | None = None,
    spacing=(0.8, 0.9, 2.5),
    origin=(-100.0, 50.0, 300.0),
    series_uid: str = "1.2.826.0.1.3680043.2.1125.7.1",
    description: str = "synthetic",
    image_type: str = "ORIGINAL\\PRIMARY\\AXIAL",
    prefix: str = "slice",
    extra_tags: dict[str, str] | None = None,
) -> sitk.Image:
    """Write ``hu_zyx`` (default: air around a bone-like block, 4 x 10 x 8) as a CT series; return the image.

    Axial slices; ``prefix`` starts the file names, so several series can share a folder;
    ``extra_tags`` (e.g. PatientID ``0010|0020``) are written into every file.
    """
    if hu_zyx is None:
        hu_zyx = np.full((4, 10, 8), -1000, np.int16)
        hu_zyx[:, 2:-2, 2:-2] = 200
    image = sitk.GetImageFromArray(hu_zyx.astype(np.int16))
    image.SetSpacing(spacing)
    image.SetOrigin(origin)
    folder.mkdir(parents=True, exist_ok=True)
    writer = sitk.ImageFileWriter()
    writer.KeepOriginalImageUIDOn()
    for index in range(image.GetDepth()):
        slice_image = image[:, :, index]
        position = image.TransformIndexToPhysicalPoint((0, 0, index))
        tags = {
            "0008|0016": "1.2.840.10008.5.1.4.1.1.2",
            "0008|0018": f"{series_uid}.{index + 1}",
            "0008|0008": image_type,
            "0008|0060": "CT",
            "0008|103e": description,
            "0020|000d": f"{series_uid}.999",
            "0020|000e": series_uid,
            "0020|0013": str(index + 1),
            "0020|0032": "\\".join(f"{value:.6f}" for value in position),
            "0020|0037": "1\\0\\0\\0\\1\\0",
            "0028|0030": f"{spacing[1]:.6f}\\{spacing[0]:.6f}",
            "0018|0050": f"{spacing[2]:.6f}",
            **(extra_tags or {}),
        }
        for tag, value in tags.items():
            slice_image.SetMetaData(tag, value)
        writer.SetFileName(str(folder / f"{prefix}_{index:03d}.dcm"))
        writer.Execute(slice_image)
    return image
