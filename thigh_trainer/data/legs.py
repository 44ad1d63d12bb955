"""Preprocessed legs held as arrays for training.

Example:
    >>> legs = load_legs(Path("preprocessed/Dataset001/legs"), ["case_001_left", "case_001_right"])
    >>> legs[0].image.shape  # (z, y, x)
    (180, 128, 128)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thigh_planner.preprocessed_leg import load_leg

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LegArrays:
    """One labelled leg: its normalised image and labels on the crop grid.

    Attributes:
        name: The leg's name, e.g. ``case_001_left``.
        image: float32 ``(z, y, x)`` normalised intensities (may be a read-only memory map).
        labels: uint8 ``(z, y, x)`` label values 0..10.
    """

    name: str
    image: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        if self.image.ndim != 3:
            raise ValueError(f"Leg {self.name}: image must be (z, y, x), found shape {self.image.shape}.")
        if self.image.shape != self.labels.shape:
            raise ValueError(
                f"Leg {self.name}: image shape {self.image.shape} differs from labels shape "
                f"{self.labels.shape}; re-run thigh_plan to rewrite the leg."
            )


def load_legs(folder: Path, names: list[str], mmap: bool = True) -> list[LegArrays]:
    """Read labelled preprocessed legs.

    Args:
        folder: The ``legs/`` folder of a planned dataset.
        names: Leg names, e.g. ``["case_001_left", "case_001_right"]``.
        mmap: Memory-map the arrays (read-only) instead of reading them into memory.

    Returns:
        One :class:`LegArrays` per name, in the given order.

    Raises:
        FileNotFoundError: When a leg is missing.
        ValueError: When a leg has no labels.
    """
    folder = Path(folder)
    legs = []
    for name in names:
        if not (folder / f"{name}.json").exists():
            raise FileNotFoundError(
                f"Preprocessed leg {name!r} not found in {folder} (no {name}.json); run thigh_plan first."
            )
        _, image, labels = load_leg(folder, name, mmap=mmap)
        if labels is None:
            raise ValueError(
                f"Leg {name!r} in {folder} has no labels ({name}_seg.npy); only labelled legs can be trained on."
            )
        legs.append(LegArrays(name=name, image=image, labels=labels))
    logger.debug("Loaded %d legs from %s", len(legs), folder)
    return legs
