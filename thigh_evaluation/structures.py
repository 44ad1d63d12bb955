"""The structures that are scored: the ten muscles (classes) and the muscle groups.

A group is scored on the union mask of its labels (quadriceps = 2-5, medial compartment
= 6-7, posterior compartment = 8-10, sartorius = 1), as other tools report them.

Example:
    >>> [s.name for s in STRUCTURES][:2], STRUCTURES[-1].labels
    (['sartorius', 'rectus_femoris'], (1,))
"""

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
