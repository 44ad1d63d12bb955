"""The comparison's tables: per-leg observations of each configuration, their statistics and paired t-tests.

Structures are ``(kind, structure)`` pairs: ``("class", "sartorius")``, ``("group", "quadriceps")``,
``("all", "all_classes")``. See "Observations and pairing" in ``documentation/thigh_compare.md``.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from thigh_common.errors import InvalidInputError
from thigh_common.labels import LABEL_GROUPS, LABELS, MUSCLE_LABELS
from thigh_common.labels import display_name as written_name
from thigh_common.listing import listed
from thigh_evaluation.comparison import METRICS
from thigh_evaluation.statistics import better_configuration, describe, paired_t_test, per_leg_means, scored

logger = logging.getLogger(__name__)

Structure = tuple[str, str]
ALL_CLASSES = "all_classes"
KINDS: tuple[str, ...] = ("class", "group", "all")
KNOWN_STRUCTURES: list[Structure] = [
    *(("class", LABELS[label]) for label in MUSCLE_LABELS),
    *(("group", group) for group in LABEL_GROUPS),
    ("all", ALL_CLASSES),
]
LEG_KEY: list[str] = ["case", "leg"]
OBSERVATION_KEY: list[str] = [*LEG_KEY, "kind", "structure"]
TABLE_KEY = ["metric", "structure", "kind"]
SUMMARY_COLUMNS = [*TABLE_KEY, "configuration", "mean", "sd", "median", "q25", "q75", "n"]
TTEST_COLUMNS = [*TABLE_KEY, "reference", "other", "n", "mean_difference", "t", "p", "mark", "better", "note"]
_SHORT_NAMES: dict[str, str] = {
    "rectus_femoris": "rectus fem.",
    "vastus_lateralis": "vastus lat.",
    "vastus_intermedius": "vastus int.",
    "vastus_medialis": "vastus med.",
    "biceps_femoris": "biceps fem.",
    "semitendinosus": "semitend.",
    "semimembranosus": "semimembr.",
}


def display_name(kind: str, structure: str) -> str:
    """Name of a structure in the Markdown tables: ``rectus femoris``, ``quadriceps (group)``, ``all classes``."""
    name = written_name(structure)
    return f"{name} (group)" if kind == "group" else name


def short_name(structure: str) -> str:
    """Abbreviated class name for the x axis and the table of the figure."""
    return _SHORT_NAMES.get(structure, written_name(structure))


def observation_frame(metrics: pd.DataFrame, metric_columns: Sequence[str]) -> pd.DataFrame:
    """Per-leg values (``case, leg, kind, structure``, metrics) of every class, group and "all classes".

    Rows of a structure absent from both label maps are left out (:func:`~thigh_evaluation.statistics.scored`).
    """
    columns = [*OBSERVATION_KEY, *metric_columns]
    rows = scored(metrics[metrics["kind"].isin(["class", "group"])])[columns]
    means = per_leg_means(rows, metric_columns)
    means.insert(2, "kind", "all")
    means.insert(3, "structure", ALL_CLASSES)
    return pd.concat([rows, means[columns]], ignore_index=True)


def compared_structures(observations: Mapping[str, pd.DataFrame]) -> list[Structure]:
    """Every ``(kind, structure)`` of any configuration once: classes by label, groups, "all classes".

    Names unknown to the label table follow the known ones of their kind, in order of appearance.
    """
    pairs = (zip(frame["kind"], frame["structure"], strict=True) for frame in observations.values())
    present = dict.fromkeys(itertools.chain.from_iterable(pairs))
    known = {pair: index for index, pair in enumerate(KNOWN_STRUCTURES)}
    return sorted(present, key=lambda pair: (KINDS.index(pair[0]), known.get(pair, len(known))))


def values_of(observations: pd.DataFrame, structure: Structure, metric: str) -> np.ndarray:
    """The defined values of one structure and metric (NaN left out), as floats."""
    return _of(observations, structure)[metric].dropna().to_numpy(dtype=float)


def _of(frame: pd.DataFrame, structure: Structure) -> pd.DataFrame:
    return frame[(frame["kind"] == structure[0]) & (frame["structure"] == structure[1])]


def check_overlap(observations: Mapping[str, pd.DataFrame], reference: str) -> None:
    """Make sure every configuration shares observations with the reference; warn about the rest.

    Raises:
        InvalidInputError: If a configuration has no (case, leg, structure) in common with the reference.
    """
    keys = {
        name: set(frame.loc[frame["kind"] != "all", OBSERVATION_KEY].itertuples(index=False, name=None))
        for name, frame in observations.items()
    }
    theirs = keys[reference]
    for name, own in keys.items():
        common = own & theirs
        if name != reference and not common:
            cases = {key: listed(sorted(observations[key]["case"].unique()), 4) for key in (reference, name)}
            raise InvalidInputError(
                f"no observations (case, leg, structure) in common between {reference} and {name}: "
                f"{reference} has cases {cases[reference]}, {name} has cases {cases[name]}; "
                "compare evaluations of the same cases"
            )
        if own != common or theirs != common:
            message = (
                "%s has %d observation(s) (case, leg, structure) that %s lacks, and lacks %d of %s's; "
                "only observations present in both enter the paired tests"
            )
            logger.warning(message, name, len(own - common), reference, len(theirs - common), reference)


def paired_values(
    reference: pd.DataFrame, other: pd.DataFrame, structure: Structure, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    """``(reference_values, other_values)`` of a structure and metric, over the legs both define."""
    sides = [_of(frame, structure)[[*LEG_KEY, metric]] for frame in (reference, other)]
    merged = sides[0].merge(sides[1], on=LEG_KEY, suffixes=("_reference", "_other"), validate="one_to_one")
    defined = merged.dropna(subset=[f"{metric}_reference", f"{metric}_other"])
    if lost := len(merged) - len(defined):
        message = "%s %s: %d of %d paired leg(s) lack a defined value on one side"
        logger.debug(message, structure[1], metric, lost, len(merged))
    return defined[f"{metric}_reference"].to_numpy(float), defined[f"{metric}_other"].to_numpy(float)


def summary_table(observations: Mapping[str, pd.DataFrame], metrics: Sequence[str]) -> pd.DataFrame:
    """``comparison.csv``: :func:`describe` of each metric, structure and configuration over its own legs."""
    rows = [
        {"metric": metric, "structure": name, "kind": kind, "configuration": configuration}
        | describe(values_of(frame, (kind, name), metric))
        for metric in metrics
        for kind, name in compared_structures(observations)
        for configuration, frame in observations.items()
    ]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def ttest_table(
    observations: Mapping[str, pd.DataFrame], reference: str, metrics: Sequence[str]
) -> pd.DataFrame:
    """``ttests.csv``: paired t-tests of ``other - reference`` for every other configuration.

    Raises:
        InvalidInputError: If a configuration shares no observation with the reference (:func:`check_overlap`).
    """
    check_overlap(observations, reference)
    others = [name for name in observations if name != reference]
    rows = []
    for metric in metrics:
        higher = METRICS[metric].higher_is_better
        for (kind, name), other in itertools.product(compared_structures(observations), others):
            pairs = paired_values(observations[reference], observations[other], (kind, name), metric)
            test = paired_t_test(*pairs)
            better = better_configuration(test["mean_difference"], reference, other, higher)
            keys = {"metric": metric, "structure": name, "kind": kind, "reference": reference, "other": other}
            rows.append(keys | test | {"better": better})
    return pd.DataFrame(rows, columns=TTEST_COLUMNS)
