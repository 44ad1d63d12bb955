"""Names of the compared structures: their order, and how tables and figures show them.

A structure is identified by its ``kind`` and name: ``("class", "sartorius")`` is label 1,
``("group", "sartorius")`` the group of the same name, and ``("all", "all_classes")`` the
per-leg mean over the ten muscle classes.

Example:
    >>> display_name("group", "posterior_compartment")
    'posterior compartment (group)'
    >>> display_name("all", ALL_CLASSES)
    'all classes'
    >>> short_name("rectus_femoris")
    'rectus fem.'
"""

from __future__ import annotations

from collections.abc import Iterable

from thigh_common.labels import LABEL_GROUPS, LABELS, MUSCLE_LABELS

ALL_CLASSES = "all_classes"
KINDS: tuple[str, ...] = ("class", "group", "all")

Structure = tuple[str, str]
"""``(kind, structure)``, e.g. ``("class", "gracilis")``."""

_SHORT_NAMES: dict[str, str] = {
    "sartorius": "sartorius",
    "rectus_femoris": "rectus fem.",
    "vastus_lateralis": "vastus lat.",
    "vastus_intermedius": "vastus int.",
    "vastus_medialis": "vastus med.",
    "adductors": "adductors",
    "gracilis": "gracilis",
    "biceps_femoris": "biceps fem.",
    "semitendinosus": "semitend.",
    "semimembranosus": "semimembr.",
    ALL_CLASSES: "all classes",
}


def display_name(kind: str, structure: str) -> str:
    """Name of a structure in the markdown tables."""
    if kind == "all":
        return "all classes"
    name = structure.replace("_", " ")
    return f"{name} (group)" if kind == "group" else name


def short_name(structure: str) -> str:
    """Abbreviated class name for the x axis and the table of the figure."""
    return _SHORT_NAMES.get(structure, structure.replace("_", " "))


def ordered_structures(present: Iterable[Structure]) -> list[Structure]:
    """The structures in table order: classes by label, then groups, then "all classes".

    Names that are not in the label table or the group table follow the known ones of
    their kind, in the order first seen.

    Args:
        present: ``(kind, structure)`` pairs found in the evaluations, any order, repeats allowed.

    Returns:
        Each pair once, in table order.
    """
    seen = list(dict.fromkeys(present))
    known = {
        "class": [LABELS[label] for label in MUSCLE_LABELS],
        "group": list(LABEL_GROUPS),
        "all": [ALL_CLASSES],
    }
    ordered: list[Structure] = []
    for kind in KINDS:
        names = [name for kind_, name in seen if kind_ == kind]
        ordered += [(kind, name) for name in known[kind] if name in names]
        ordered += [(kind, name) for name in names if name not in known[kind]]
    return ordered
