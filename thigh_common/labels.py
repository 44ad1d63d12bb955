"""The fixed label table of thighseg and the muscle groups used for comparisons.

Example:
    >>> from thigh_common.labels import LABELS, MUSCLE_LABELS
    >>> LABELS[1]
    'sartorius'
    >>> len(MUSCLE_LABELS)
    10
"""

from __future__ import annotations

BACKGROUND = 0

LABELS: dict[int, str] = {
    0: "background",
    1: "sartorius",
    2: "rectus_femoris",
    3: "vastus_lateralis",
    4: "vastus_intermedius",
    5: "vastus_medialis",
    6: "adductors",
    7: "gracilis",
    8: "biceps_femoris",
    9: "semitendinosus",
    10: "semimembranosus",
}

MUSCLE_LABELS: tuple[int, ...] = tuple(label for label in LABELS if label != BACKGROUND)
NUM_CLASSES: int = len(LABELS)
LABEL_BY_NAME: dict[str, int] = {name: label for label, name in LABELS.items()}

LABEL_GROUPS: dict[str, tuple[int, ...]] = {
    "quadriceps": (2, 3, 4, 5),
    "medial_compartment": (6, 7),
    "posterior_compartment": (8, 9, 10),
    "sartorius": (1,),
}


def dataset_json_labels() -> dict[str, int]:
    """Return the ``labels`` entry of a thighseg ``dataset.json`` (name to value)."""
    return {name: label for label, name in LABELS.items()}


def display_name(code: str) -> str:
    """A muscle's or group's name as people write it: ``rectus_femoris`` -> ``rectus femoris``."""
    return code.replace("_", " ")
