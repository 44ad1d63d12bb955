"""The structures that are scored (ten classes, the groups on the union of their labels) and their status."""

from __future__ import annotations

from dataclasses import dataclass

from thigh_common.labels import LABEL_GROUPS, LABELS, MUSCLE_LABELS

CLASS_KIND = "class"
GROUP_KIND = "group"


@dataclass(frozen=True)
class Structure:
    """A ``"class"`` (one label, ``label``) or a ``"group"`` (``label`` None), the union of its ``labels``."""

    kind: str
    name: str
    labels: tuple[int, ...]
    label: int | None


CLASSES: tuple[Structure, ...] = tuple(
    Structure(CLASS_KIND, LABELS[label], (label,), label) for label in MUSCLE_LABELS
)
GROUPS: tuple[Structure, ...] = tuple(
    Structure(GROUP_KIND, name, tuple(ls), None) for name, ls in LABEL_GROUPS.items()
)
STRUCTURES: tuple[Structure, ...] = CLASSES + GROUPS


PRESENT = "present"
ABSENT_IN_BOTH = "absent_in_both"
MISSING_IN_PREDICTION = "missing_in_prediction"
MISSING_IN_REFERENCE = "missing_in_reference"
STATUSES: tuple[str, ...] = (PRESENT, ABSENT_IN_BOTH, MISSING_IN_PREDICTION, MISSING_IN_REFERENCE)


def presence_status(reference_voxels: int, predicted_voxels: int) -> str:
    """One of :data:`STATUSES`, from a structure's voxel counts in the reference and the prediction."""
    if reference_voxels > 0 and predicted_voxels > 0:
        return PRESENT
    if reference_voxels > 0:
        return MISSING_IN_PREDICTION
    if predicted_voxels > 0:
        return MISSING_IN_REFERENCE
    return ABSENT_IN_BOTH
