"""Keep only the largest 3D connected component of each class (the paper's postprocessing).

A muscle is one connected body, so any smaller island of its label is a false
positive. Removed voxels become background 0, as in nnU-Net's postprocessing
(they are not reassigned to a neighbouring class).

With ``cc3d`` (connected-components-3d) one labelling pass of the multi-label map
finds the components of every class at once; without it, scipy labels one class
at a time. Both give the same result.

Muscle is never air: :func:`clear_air` sets labels to background where the scan is air
(below :data:`~thigh_planner.normalisation.intensity.AIR_THRESHOLD_HU`) before the
largest-component step; :func:`postprocess_leg` does both, in that order.

Example:
    >>> cleaned = keep_largest_component(labels)  # uint8 (z, y, x)
    >>> cleaned = postprocess_leg(labels, air_mask)  # air cleared, then the largest components
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
from scipy import ndimage

from thigh_common.labels import MUSCLE_LABELS
from thigh_planner.normalisation.intensity import AIR_THRESHOLD_HU

try:
    import cc3d
except ImportError:  # pragma: no cover - cc3d is a dependency, scipy is the fallback
    cc3d = None

logger = logging.getLogger(__name__)

CONNECTIVITIES: tuple[int, ...] = (6, 18, 26)
"""Face (6), face and edge (18), or face, edge and corner (26) neighbours."""


def keep_largest_component(
    labels: np.ndarray,
    classes: Iterable[int] = MUSCLE_LABELS,
    connectivity: int = 6,
    use_cc3d: bool | None = None,
) -> np.ndarray:
    """For each class in ``classes`` keep only its largest connected component; the rest becomes 0.

    Classes not in ``classes`` (and background) are left as they are. Of two equally
    large components the one met first in C order (lowest flat index) is kept.

    Args:
        labels: Label map ``(z, y, x)`` of an integer type (uint8 normally).
        classes: The labels to clean (default: the ten muscles 1..10).
        connectivity: 6, 18 or 26 (voxels touching by a face, also an edge, also a corner).
        use_cc3d: Force (True) or avoid (False) cc3d; None uses it when installed.

    Returns:
        A new label map of the input's shape and dtype.

    Raises:
        ValueError: On an array that is not 3D, a non-integer dtype, or an
            unknown connectivity.
    """
    if labels.ndim != 3:
        raise ValueError(f"Expected a (z, y, x) label map, found an array of shape {labels.shape}.")
    if labels.dtype.kind not in "iub":
        raise ValueError(f"Expected an integer label map (uint8), found dtype {labels.dtype}.")
    if connectivity not in CONNECTIVITIES:
        raise ValueError(
            f"Unknown connectivity {connectivity}; expected one of {', '.join(map(str, CONNECTIVITIES))}."
        )
    wanted = sorted({int(c) for c in classes} - {0})
    if use_cc3d is None:
        use_cc3d = cc3d is not None
    if use_cc3d:
        keep = _keep_mask_cc3d(labels, wanted, connectivity)
    else:
        keep = _keep_mask_scipy(labels, wanted, connectivity)
    return np.where(keep, labels, np.zeros((), labels.dtype))


def _keep_mask_cc3d(labels: np.ndarray, wanted: list[int], connectivity: int) -> np.ndarray:
    """True where a voxel survives: one labelling pass gives each class its own components."""
    components, count = cc3d.connected_components(labels, connectivity=connectivity, return_N=True)
    sizes = np.bincount(components.ravel(), minlength=count + 1)
    component_class = np.zeros(count + 1, dtype=labels.dtype)
    component_class[components.ravel()] = labels.ravel()  # each component holds one class
    survives = np.ones(count + 1, dtype=bool)  # background (0) and other classes stay
    for label in wanted:
        ids = np.flatnonzero(component_class == label)
        ids = ids[ids > 0]
        if len(ids) > 1:
            survives[ids] = False
            survives[_first_largest(ids, sizes[ids], components)] = True
    return survives[components]


def _first_largest(ids: np.ndarray, sizes: np.ndarray, components: np.ndarray) -> int:
    """The largest component; among equals, the one whose first voxel comes first in C order."""
    largest = ids[sizes == sizes.max()]
    if len(largest) == 1:
        return int(largest[0])
    first_voxel = {int(i): int(np.flatnonzero(components.ravel() == i)[0]) for i in largest}
    return min(first_voxel, key=first_voxel.__getitem__)


def _keep_mask_scipy(labels: np.ndarray, wanted: list[int], connectivity: int) -> np.ndarray:
    """True where a voxel survives, labelling one class at a time with scipy."""
    rank = {6: 1, 18: 2, 26: 3}[connectivity]
    structure = ndimage.generate_binary_structure(3, rank)
    keep = np.ones(labels.shape, dtype=bool)
    for label in wanted:
        mask = labels == label
        components, count = ndimage.label(mask, structure=structure)
        if count <= 1:
            continue
        sizes = np.bincount(components.ravel())
        sizes[0] = 0
        largest = int(np.argmax(sizes))  # scipy numbers components in C order: ties go to the first
        keep &= ~mask | (components == largest)
    return keep


def postprocess_leg(labels: np.ndarray, air_mask: np.ndarray | None) -> np.ndarray:
    """The postprocessing of a voted leg: clear labels in air, then keep each muscle's largest component.

    Air goes first, so faint responses in air never win the largest-component step.

    Args:
        labels: Voted labels ``(z, y, x)`` on the leg's crop grid (changed in place by the air step).
        air_mask: Boolean ``(z, y, x)``, True where the crop is air (the leg's ``_air.npy``); None: no air step.

    Returns:
        A new label map of the input's shape and dtype.
    """
    if air_mask is not None:
        clear_air(labels, air_mask)
    return keep_largest_component(labels)


def clear_air(labels: np.ndarray, air_mask: np.ndarray) -> int:
    """Set labels to background where ``air_mask`` is True, in place; return how many voxels changed.

    A network can put faint, checkerboard-like responses into the constant air around a
    leg; muscle is never air, so these go whatever their connectivity.
    """
    air = air_mask & (labels > 0)
    changed = int(np.count_nonzero(air))
    labels[air] = 0
    return changed


def clear_labels_in_air(
    labels: np.ndarray, image_hu: np.ndarray, threshold_hu: float = AIR_THRESHOLD_HU
) -> int:
    """:func:`clear_air` with the air of a scan in HU: voxels below ``threshold_hu``.

    Args:
        labels: Label map ``(z, y, x)`` on the scan's grid (changed in place).
        image_hu: The scan in HU, same shape.
        threshold_hu: Voxels below this are air.
    """
    return clear_air(labels, image_hu < threshold_hu)
