"""Calibration slices: a few real network inputs saved beside each trained 2D network, for 8-bit inference.

Quantising a network to 8-bit integers (:mod:`thigh_inference.quantisation`) needs the
range of every layer's activations, measured on inputs like those it will see.
``thigh_train`` therefore saves ``calibration.npz`` beside each 2D network's
checkpoint: :data:`CALIBRATION_SLICES` inputs drawn at random (seeded) from the slices
of the fold's training legs that hold tissue, built exactly as prediction builds them
(the slice and its neighbours, padded to the patch size). About 1 MB compressed.

Example:
    >>> write_calibration(folder / "axial" / CALIBRATION_FILE, images, "axial", 2, (128, 128))
    >>> read_calibration(folder / "axial" / CALIBRATION_FILE).shape
    (32, 3, 128, 128)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from thigh_common.atomic import atomic_path
from thigh_inference.slice_prediction import network_inputs
from thigh_planner.plans.geometry import NORMAL_AXIS_ZYX

logger = logging.getLogger(__name__)

CALIBRATION_FILE = "calibration.npz"
CALIBRATION_SLICES = 32
"""Inputs per network: enough for NNCF's default statistics on a few hundred thousand voxels each."""


def draw_calibration(
    images: Sequence[np.ndarray],
    orientation: str,
    offset: int,
    patch_size: Sequence[int],
    count: int = CALIBRATION_SLICES,
    seed: int = 0,
) -> np.ndarray:
    """Draw ``count`` network inputs at random from the tissue slices of normalised leg images.

    Args:
        images: Normalised legs ``(z, y, x)`` (the fold's training legs).
        orientation: ``axial``, ``coronal`` or ``sagittal``.
        offset: Neighbour offset in slices.
        patch_size: Network input ``(H, W)``.
        count: How many inputs, >= 1.
        seed: Seed of the draw.

    Returns:
        float32 ``(count, 3, H, W)``; fewer when the legs hold fewer slices.

    Raises:
        ValueError: On no legs, an unknown orientation or a count below 1.
    """
    if not images:
        raise ValueError("No legs to draw calibration slices from.")
    if orientation not in NORMAL_AXIS_ZYX:
        raise ValueError(
            f"Unknown orientation {orientation!r}; expected one of {', '.join(NORMAL_AXIS_ZYX)}."
        )
    if count < 1:
        raise ValueError(f"The number of calibration slices must be >= 1, found {count}.")
    axis = NORMAL_AXIS_ZYX[orientation]
    candidates = [(leg, index) for leg, image in enumerate(images) for index in _tissue_slices(image, axis)]
    if not candidates:  # legs of air only: any slice will do
        candidates = [(leg, index) for leg, image in enumerate(images) for index in range(image.shape[axis])]
    rng = np.random.default_rng(seed)
    chosen = sorted(rng.choice(len(candidates), size=min(count, len(candidates)), replace=False))
    batches = []
    for leg in sorted({candidates[i][0] for i in chosen}):
        indices = np.array([candidates[i][1] for i in chosen if candidates[i][0] == leg])
        batches.append(
            network_inputs(
                np.asarray(images[leg], dtype=np.float32), orientation, indices, offset, patch_size
            )
        )
    return np.concatenate(batches)


def write_calibration(
    path: Path,
    images: Sequence[np.ndarray],
    orientation: str,
    offset: int,
    patch_size: Sequence[int],
    count: int = CALIBRATION_SLICES,
    seed: int = 0,
) -> Path:
    """Draw calibration inputs (see :func:`draw_calibration`) and save them, float16 compressed, atomically."""
    inputs = draw_calibration(images, orientation, offset, patch_size, count, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        np.savez_compressed(handle, inputs=inputs.astype(np.float16))
    logger.info("calibration: %d %s inputs for 8-bit inference in %s", len(inputs), orientation, path)
    return path


def read_calibration(path: Path) -> np.ndarray:
    """The calibration inputs ``(N, 3, H, W)`` float32 saved by :func:`write_calibration`.

    Raises:
        ValueError: If the file is damaged or holds no ``(N, 3, H, W)`` inputs.
    """
    try:
        with np.load(path) as content:
            inputs = np.asarray(content["inputs"], dtype=np.float32)
    except (OSError, KeyError, ValueError) as error:
        raise ValueError(
            f"{path}: not a calibration file ({error}); retrain the network to rewrite it"
        ) from error
    if inputs.ndim != 4 or inputs.shape[0] == 0:
        raise ValueError(f"{path}: expected calibration inputs of shape (N, 3, H, W), found {inputs.shape}")
    return inputs


def _tissue_slices(image: np.ndarray, axis: int) -> np.ndarray:
    """Indices of the slices along ``axis`` that hold anything but the image's minimum (air)."""
    others = tuple(a for a in range(3) if a != axis)
    return np.flatnonzero(np.any(np.asarray(image) > np.min(image), axis=others))
