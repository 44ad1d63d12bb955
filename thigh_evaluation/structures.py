"""The structures that are scored (ten classes, the groups on the union of their labels) and their status."""

from __future__ import annotations

from dataclasses import dataclass

from thigh_common.labels import LABEL_GROUPS, LABELS, MUSCLE_LABELS

CLASS_KIND = "class"
GROUP_KIND = "group"


@dataclass(frozen=True)
class Structure:
    """One scored structure.

    Attributes:
        kind: ``"class"`` (one label) or ``"group"`` (a union of labels).
        name: The label name (``vastus_lateralis``) or the group name (``quadriceps``).
        labels: The labels whose union is the structure.
        label: The label of a class; None for a group.
    """

    kind: str
    name: str
    labels: tuple[int, ...]
    label: int | None


CLASSES: tuple[Structure, ...] = tuple(
    Structure(CLASS_KIND, LABELS[label], (label,), label) for label in MUSCLE_LABELS
)
GROUPS: tuple[Structure, ...] = tuple(
    Structure(GROUP_KIND, name, tuple(labels), None) for name, labels in LABEL_GROUPS.items()
)
STRUCTURES: tuple[Structure, ...] = CLASSES + GROUPS


PRESENT = "present"
ABSENT_IN_BOTH = "absent_in_both"
MISSING_IN_PREDICTION = "missing_in_prediction"
MISSING_IN_REFERENCE = "missing_in_reference"
STATUSES: tuple[str, ...] = (PRESENT, ABSENT_IN_BOTH, MISSING_IN_PREDICTION, MISSING_IN_REFERENCE)


def presence_status(reference_voxels: int, predicted_voxels: int) -> str:
    """The status of a structure from its voxel counts in the reference and the prediction.

    Args:
        reference_voxels: Voxels of the structure in the reference mask.
        predicted_voxels: Voxels of the structure in the predicted mask.

    Returns:
        One of :data:`STATUSES`.
    """
    if reference_voxels > 0 and predicted_voxels > 0:
        return PRESENT
    if reference_voxels > 0:
        return MISSING_IN_PREDICTION
    if predicted_voxels > 0:
        return MISSING_IN_REFERENCE
    return ABSENT_IN_BOTH
