"""Write predicted label maps with the input scan's geometry, and colour tables for viewers.

The palette :data:`LABEL_COLOURS` gives every muscle one fixed, distinct colour;
the colour tables (3D Slicer, ITK-SNAP) and the overlay pictures all use it.

Example:
    >>> image = labels_to_image(labels, reference=scan)  # doctest: +SKIP
    >>> write_labels(image, out / "case_01.nii.gz")  # doctest: +SKIP
    >>> write_colour_table(out / "labels.ctbl")  # doctest: +SKIP
"""

from __future__ import annotations

import os

import numpy as np
import SimpleITK as sitk

from thigh_common.atomic import write_text_atomic
from thigh_common.image_io import write_image
from thigh_common.labels import LABELS

LABEL_COLOURS: dict[int, tuple[int, int, int]] = {
    0: (0, 0, 0),
    1: (230, 25, 75),  # sartorius: red
    2: (60, 180, 75),  # rectus_femoris: green
    3: (255, 225, 25),  # vastus_lateralis: yellow
    4: (0, 130, 200),  # vastus_intermedius: blue
    5: (245, 130, 48),  # vastus_medialis: orange
    6: (145, 30, 180),  # adductors: purple
    7: (70, 240, 240),  # gracilis: cyan
    8: (240, 50, 230),  # biceps_femoris: magenta
    9: (210, 245, 60),  # semitendinosus: lime
    10: (250, 190, 212),  # semimembranosus: pink
}
"""RGB (0..255) of every label of ``thigh_common.labels.LABELS``; background is black."""

SLICER_TABLE_NAME = "labels.ctbl"
ITKSNAP_TABLE_NAME = "labels_itksnap.txt"


def labels_to_image(labels: np.ndarray, reference: sitk.Image) -> sitk.Image:
    """Wrap a label array as a uint8 image with exactly the geometry of ``reference``.

    Args:
        labels: Integer labels ``(z, y, x)`` on the reference's grid, values 0..10.
        reference: The input scan (size, spacing, origin and direction are copied).

    Returns:
        The uint8 label image.

    Raises:
        ValueError: If the shape differs from the reference's grid or a value is not a label.
    """
    expected = tuple(reversed(reference.GetSize()))
    if labels.shape != expected:
        raise ValueError(
            f"labels of shape {labels.shape} (z, y, x) do not fit the scan's grid {expected} (z, y, x)"
        )
    if labels.size and (labels.min() < 0 or labels.max() > max(LABELS)):
        raise ValueError(
            f"label values {labels.min()} .. {labels.max()} outside the label table 0 .. {max(LABELS)}"
        )
    image = sitk.GetImageFromArray(np.ascontiguousarray(labels, dtype=np.uint8))
    image.CopyInformation(reference)
    return image


def write_labels(image: sitk.Image, path: str | os.PathLike[str]) -> None:
    """Write a label image atomically (compressed; the format follows the extension).

    Raises:
        ValueError: If the image is not uint8.
    """
    if image.GetPixelID() != sitk.sitkUInt8:
        raise ValueError(f"a label image must be uint8; got {image.GetPixelIDTypeAsString()}")
    write_image(image, path, compress=True)


def slicer_colour_table() -> str:
    """The label table in 3D Slicer's colour table format (``index name R G B A`` per line)."""
    lines = ["# Color table file for thighseg labels", f"# {len(LABELS)} values"]
    for label, name in LABELS.items():
        red, green, blue = LABEL_COLOURS[label]
        alpha = 0 if label == 0 else 255
        lines.append(f"{label} {name} {red} {green} {blue} {alpha}")
    return "\n".join(lines) + "\n"


def itksnap_label_description() -> str:
    """The label table in ITK-SNAP's label description format (load with Segmentation > Import Label Descriptions)."""
    lines = [
        "################################################",
        "# ITK-SnAP Label Description File (thighseg)",
        "# IDX   -R-  -G-  -B-  -A--  VIS MSH  LABEL",
        "################################################",
    ]
    for label, name in LABELS.items():
        red, green, blue = LABEL_COLOURS[label]
        visible = 0 if label == 0 else 1
        text = "Clear Label" if label == 0 else name
        lines.append(
            f'{label:5d} {red:5d} {green:4d} {blue:4d} {visible:8d} {visible:2d} {visible:2d}    "{text}"'
        )
    return "\n".join(lines) + "\n"


def write_colour_table(path: str | os.PathLike[str]) -> None:
    """Write the 3D Slicer colour table (``.ctbl`` or ``.txt``) atomically."""
    write_text_atomic(slicer_colour_table(), path)


def write_itksnap_labels(path: str | os.PathLike[str]) -> None:
    """Write the ITK-SNAP label description file atomically."""
    write_text_atomic(itksnap_label_description(), path)
