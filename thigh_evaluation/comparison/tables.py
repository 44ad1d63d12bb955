"""The comparison's tables: per-leg observations of each configuration, their statistics and paired t-tests.

Structures are ``(kind, structure)`` pairs: ``("class", "sartorius")``, ``("group", "quadriceps")``,
``("all", "all_classes")``. See "Observations and pairing" in ``documentation/thigh_compare.md``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from thigh_common.errors import InvalidInputError
from thigh_common.labels import LABEL_GROUPS, LABELS, MUSCLE_LABELS
from thigh_common.labels import display_name as written_name
from thigh_evaluation.statistics import better_configuration, describe, paired_t_test, per_leg_means, scored

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MetricSpec:
    """How a column of ``metrics.csv`` is shown (title, unit, decimals) and which way is better."""

    title: str
    unit: str
    higher_is_better: bool
    decimals: int

    @property
    def axis_label(self) -> str:
        """Title with unit, e.g. ``"ASD (mm)"``."""
        return f"{self.title} ({self.unit})" if self.unit else self.title

    def format(self, value: float) -> str:
        """``value`` with this metric's decimals; NaN as ``"n/a"``."""
        return "n/a" if value is None or math.isnan(value) else f"{value:.{self.decimals}f}"


METRICS: dict[str, MetricSpec] = {
    "dice": MetricSpec("DSC", "", higher_is_better=True, decimals=3),
    "asd_mm": MetricSpec("ASD", "mm", higher_is_better=False, decimals=2),
    "hd95_mm": MetricSpec("HD95", "mm", higher_is_better=False, decimals=2),
}
DEFAULT_METRICS: tuple[str, ...] = ("dice", "asd_mm")
ALL_CLASSES = "all_classes"
KINDS: tuple[str, ...] = ("class", "group", "all")
LEG_KEY: list[str] = ["case", "leg"]
STATISTICS_SHOWN: tuple[str, ...] = ("mean", "sd", "median", "q25", "q75", "n")
Structure = tuple[str, str]
_SHORT_NAMES: dict[str, str] = {
    "rectus_femoris": "rectus fem.",
    "vastus_lateralis": "vastus lat.",
    "vastus_intermedius": "vastus int.",
    "vastus_medialis": "vastus med.",
    "biceps_femoris": "biceps fem.",
    "semitendinosus": "semitend.",
    "semimembranosus": "semimembr.",
    ALL_CLASSES: "all classes",
}
TABLE_KEYS: tuple[str, ...] = ("metric", "structure", "kind")
SUMMARY_COLUMNS: tuple[str, ...] = (*TABLE_KEYS, "configuration", *STATISTICS_SHOWN)
TEST_VALUES: tuple[str, ...] = ("n", "mean_difference", "t", "p", "mark", "better", "note")
TTEST_COLUMNS: tuple[str, ...] = (*TABLE_KEYS, "reference", "other", *TEST_VALUES)


def display_name(kind: str, structure: str) -> str:
    """Name of a structure in the Markdown tables."""
    if kind == "all":
        return "all classes"
    name = written_name(structure)
    return f"{name} (group)" if kind == "group" else name


def short_name(structure: str) -> str:
    """Abbreviated class name for the x axis and the table of the figure."""
    return _SHORT_NAMES.get(structure, written_name(structure))


def ordered_structures(present: Iterable[Structure]) -> list[Structure]:
    """Each pair once: classes by label, groups, "all classes"; unknown names after the known ones."""
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


def observation_frame(metrics: pd.DataFrame, metric_columns: Sequence[str]) -> pd.DataFrame:
    """Per-leg values (``case, leg, kind, structure``, metrics) of every class, group and "all classes".

    Rows of a structure absent from both label maps are left out (:func:`~thigh_evaluation.statistics.scored`).
    """
    columns = [*LEG_KEY, "kind", "structure", *metric_columns]
    rows = scored(metrics[metrics["kind"].isin(["class", "group"])])[columns]
    means = per_leg_means(rows, metric_columns)
    means.insert(2, "kind", "all")
    means.insert(3, "structure", ALL_CLASSES)
    return pd.concat([rows, means[columns]], ignore_index=True)


def _of(frame: pd.DataFrame, structure: Structure) -> pd.DataFrame:
    return frame[(frame["kind"] == structure[0]) & (frame["structure"] == structure[1])]


def values_of(observations: pd.DataFrame, structure: Structure, metric: str) -> np.ndarray:
    """The defined values of one structure and metric (NaN left out), as floats."""
    return _of(observations, structure)[metric].dropna().to_numpy(dtype=float)


def _cases(frame: pd.DataFrame, shown: int = 4) -> str:
    cases = sorted(frame["case"].unique())
    listed = ", ".join(cases[:shown])
    return f"{listed}, ... ({len(cases)} in all)" if len(cases) > shown else listed


def check_overlap(observations: Mapping[str, pd.DataFrame], reference: str) -> None:
    """Make sure every configuration shares observations with the reference; warn about the rest.

    Raises:
        InvalidInputError: If a configuration has no (case, leg, structure) in common with the reference.
    """
    keys = {
        name: set(
            frame.loc[frame["kind"] != "all", [*LEG_KEY, "kind", "structure"]].itertuples(
                index=False, name=None
            )
        )
        for name, frame in observations.items()
    }
    for name, own in keys.items():
        if name == reference:
            continue
        common = own & keys[reference]
        if not common:
            raise InvalidInputError(
                f"no observations (case, leg, structure) in common between {reference} and {name}: "
                f"{reference} has cases {_cases(observations[reference])}, {name} has cases "
                f"{_cases(observations[name])}; compare evaluations of the same cases"
            )
        if own != common or keys[reference] != common:
            logger.warning(
                "%s has %d observation(s) (case, leg, structure) that %s lacks, and lacks %d of %s's; "
                "only observations present in both enter the paired tests",
                name,
                len(own - common),
                reference,
                len(keys[reference] - common),
                reference,
            )


def paired_values(
    reference: pd.DataFrame, other: pd.DataFrame, structure: Structure, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    """``(reference_values, other_values)`` of a structure and metric, over the legs both define."""
    sides = [_of(frame, structure)[[*LEG_KEY, metric]] for frame in (reference, other)]
    merged = sides[0].merge(sides[1], on=LEG_KEY, suffixes=("_reference", "_other"), validate="one_to_one")
    defined = merged.dropna(subset=[f"{metric}_reference", f"{metric}_other"])
    if len(defined) < len(merged):
        logger.debug(
            "%s %s: %d of %d paired leg(s) lack a defined value on one side",
            structure[1],
            metric,
            len(merged) - len(defined),
            len(merged),
        )
    return defined[f"{metric}_reference"].to_numpy(float), defined[f"{metric}_other"].to_numpy(float)


def compared_structures(observations: Mapping[str, pd.DataFrame]) -> list[Structure]:
    """Every ``(kind, structure)`` of any configuration, in table order."""
    return ordered_structures(
        pair
        for frame in observations.values()
        for pair in zip(frame["kind"], frame["structure"], strict=True)
    )


def summary_table(observations: Mapping[str, pd.DataFrame], metrics: Sequence[str]) -> pd.DataFrame:
    """``comparison.csv``: :func:`describe` of each metric, structure and configuration over its own legs."""
    rows = [
        {"metric": metric, "structure": name, "kind": kind, "configuration": configuration}
        | describe(values_of(frame, (kind, name), metric))
        for metric in metrics
        for kind, name in compared_structures(observations)
        for configuration, frame in observations.items()
    ]
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def ttest_table(
    observations: Mapping[str, pd.DataFrame], reference: str, metrics: Sequence[str]
) -> pd.DataFrame:
    """``ttests.csv``: paired t-tests of ``other - reference`` for every other configuration."""
    rows = []
    for metric in metrics:
        for kind, structure in compared_structures(observations):
            for other, frame in observations.items():
                if other == reference:
                    continue
                test = paired_t_test(
                    *paired_values(observations[reference], frame, (kind, structure), metric)
                )
                better = better_configuration(test, reference, other, METRICS[metric].higher_is_better)
                keys = {"metric": metric, "structure": structure, "kind": kind, "reference": reference}
                rows.append(keys | {"other": other, **asdict(test), "mark": test.mark, "better": better})
    return pd.DataFrame(rows, columns=list(TTEST_COLUMNS))
