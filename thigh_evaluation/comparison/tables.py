"""The comparison's tables: per-leg observations of each configuration, their statistics and paired t-tests.

Structures are ``(kind, structure)`` pairs: ``("class", "sartorius")``, ``("group", "quadriceps")``,
``("all", "all_classes")``. See "Observations and pairing" in ``documentation/thigh_compare.md``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from thigh_common.errors import InvalidInputError
from thigh_common.labels import LABEL_GROUPS, LABELS, MUSCLE_LABELS
from thigh_evaluation.statistics import better_configuration, describe, paired_t_test, per_leg_means

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MetricSpec:
    """How one column of ``metrics.csv`` is compared and shown.

    Attributes:
        column: Column name in ``metrics.csv``.
        title: Name in figures and tables (the paper's "DSC", "ASD").
        unit: Unit shown after the title, or "" for none.
        higher_is_better: True for overlap (Dice), False for distances.
        decimals: Decimals of means and SDs in the tables.
    """

    column: str
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
    "dice": MetricSpec("dice", "DSC", "", higher_is_better=True, decimals=3),
    "asd_mm": MetricSpec("asd_mm", "ASD", "mm", higher_is_better=False, decimals=2),
    "hd95_mm": MetricSpec("hd95_mm", "HD95", "mm", higher_is_better=False, decimals=2),
}

DEFAULT_METRICS: tuple[str, ...] = ("dice", "asd_mm")


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


LEG_KEY: list[str] = ["case", "leg"]


def observation_frame(metrics: pd.DataFrame, metric_columns: Sequence[str]) -> pd.DataFrame:
    """Per-leg values of every class and group, and of "all classes".

    Args:
        metrics: Rows of ``metrics.csv`` (columns ``case, leg, kind, structure`` and the metrics).
        metric_columns: The metrics to keep, e.g. ``["dice", "asd_mm"]``.

    Returns:
        Columns ``case, leg, kind, structure`` and ``metric_columns``; kind ``class``,
        ``group`` or ``all`` (structure ``all_classes``).
    """
    columns = [*LEG_KEY, "kind", "structure", *metric_columns]
    rows = metrics.loc[metrics["kind"].isin(["class", "group"]), columns]
    means = per_leg_means(rows, metric_columns)
    means.insert(2, "kind", "all")
    means.insert(3, "structure", ALL_CLASSES)
    return pd.concat([rows, means[columns]], ignore_index=True)


def values_of(observations: pd.DataFrame, structure: Structure, metric: str) -> np.ndarray:
    """The defined values of one structure and metric (NaN left out), as floats."""
    kind, name = structure
    selected = observations.loc[(observations["kind"] == kind) & (observations["structure"] == name), metric]
    return selected.dropna().to_numpy(dtype=float)


def structures_of(observations: pd.DataFrame) -> list[Structure]:
    """The ``(kind, structure)`` pairs present, in the order first seen."""
    pairs = zip(observations["kind"], observations["structure"], strict=True)
    return list(dict.fromkeys(pairs))


def leg_count(observations: pd.DataFrame) -> int:
    """Number of distinct legs (case and side)."""
    return len(observations[LEG_KEY].drop_duplicates())


_KEY = [*LEG_KEY, "kind", "structure"]


def check_overlap(observations: Mapping[str, pd.DataFrame], reference: str) -> None:
    """Make sure every configuration shares observations with the reference; warn about the rest.

    Args:
        observations: Observation frames by configuration name (see ``observation_frame``).
        reference: Name of the reference configuration.

    Raises:
        InvalidInputError: If a configuration has no (case, leg, structure) in common with the
            reference.
    """
    keys = {name: _keys(frame) for name, frame in observations.items()}
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
        only_own, only_reference = len(own - common), len(keys[reference] - common)
        if only_own or only_reference:
            logger.warning(
                "%s has %d observation(s) (case, leg, structure) that %s lacks, and lacks %d of %s's; "
                "only observations present in both enter the paired tests",
                name,
                only_own,
                reference,
                only_reference,
                reference,
            )


def paired_values(
    reference: pd.DataFrame, other: pd.DataFrame, structure: Structure, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    """The values of one structure and metric for the legs where both configurations define them.

    Args:
        reference: Observation frame of the reference configuration.
        other: Observation frame of the other configuration.
        structure: ``(kind, structure)``.
        metric: Metric column, e.g. ``"dice"``.

    Returns:
        ``(reference_values, other_values)``, float arrays of equal length, paired by leg.
    """
    kind, name = structure
    sides = [
        frame.loc[(frame["kind"] == kind) & (frame["structure"] == name), [*LEG_KEY, metric]]
        for frame in (reference, other)
    ]
    merged = sides[0].merge(sides[1], on=LEG_KEY, suffixes=("_reference", "_other"), validate="one_to_one")
    defined = merged.dropna(subset=[f"{metric}_reference", f"{metric}_other"])
    if len(defined) < len(merged):
        logger.debug(
            "%s %s: %d of %d paired leg(s) lack a defined value on one side",
            name,
            metric,
            len(merged) - len(defined),
            len(merged),
        )
    return (
        defined[f"{metric}_reference"].to_numpy(dtype=float),
        defined[f"{metric}_other"].to_numpy(dtype=float),
    )


def _keys(frame: pd.DataFrame) -> set[tuple[str, ...]]:
    rows = frame.loc[frame["kind"] != "all", _KEY]
    return set(rows.itertuples(index=False, name=None))


def _cases(frame: pd.DataFrame, shown: int = 4) -> str:
    cases = sorted(frame["case"].unique())
    listed = ", ".join(cases[:shown])
    return f"{listed}, ... ({len(cases)} in all)" if len(cases) > shown else listed


SUMMARY_COLUMNS: tuple[str, ...] = (
    "metric",
    "structure",
    "kind",
    "configuration",
    "mean",
    "sd",
    "median",
    "q25",
    "q75",
    "n",
)


def compared_structures(observations: Mapping[str, pd.DataFrame]) -> list[Structure]:
    """Every ``(kind, structure)`` of any configuration, in table order."""
    return ordered_structures(pair for frame in observations.values() for pair in structures_of(frame))


def summary_table(observations: Mapping[str, pd.DataFrame], metrics: Sequence[str]) -> pd.DataFrame:
    """Mean, SD, median, quartiles and n of each metric, structure and configuration.

    Each configuration is described over all of its own defined values (not only the legs it
    shares with the others); ``n`` says how many.

    Args:
        observations: Observation frames by configuration name, in column order.
        metrics: Metric columns, e.g. ``["dice", "asd_mm"]``.

    Returns:
        A frame with :data:`SUMMARY_COLUMNS`.
    """
    rows = []
    for metric in metrics:
        for kind, name in compared_structures(observations):
            for configuration, frame in observations.items():
                statistics = describe(values_of(frame, (kind, name), metric))
                rows.append(
                    {"metric": metric, "structure": name, "kind": kind, "configuration": configuration}
                    | statistics
                )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


TTEST_COLUMNS: tuple[str, ...] = (
    "metric",
    "structure",
    "kind",
    "reference",
    "other",
    "n",
    "mean_difference",
    "t",
    "p",
    "mark",
    "better",
    "note",
)


def ttest_table(
    observations: Mapping[str, pd.DataFrame], reference: str, metrics: Sequence[str]
) -> pd.DataFrame:
    """Paired t-tests of every other configuration against ``reference``.

    ``mean_difference`` and ``t`` are of ``other - reference``; ``better`` names the
    configuration with the better mean over the pairs (higher Dice, lower distance);
    ``mark`` is ``*`` (p < 0.05), ``**`` (p < 0.01) or empty; ``note`` says why a test
    could not be done.

    Args:
        observations: Observation frames by configuration name.
        reference: Name of the reference configuration (a key of ``observations``).
        metrics: Metric columns, e.g. ``["dice", "asd_mm"]``.

    Returns:
        A frame with :data:`TTEST_COLUMNS`.
    """
    rows = []
    for metric in metrics:
        higher_is_better = METRICS[metric].higher_is_better
        for structure in compared_structures(observations):
            for other, frame in observations.items():
                if other == reference:
                    continue
                reference_values, other_values = paired_values(
                    observations[reference], frame, structure, metric
                )
                test = paired_t_test(reference_values, other_values)
                rows.append(
                    {
                        "metric": metric,
                        "structure": structure[1],
                        "kind": structure[0],
                        "reference": reference,
                        "other": other,
                        "n": test.n,
                        "mean_difference": test.mean_difference,
                        "t": test.t,
                        "p": test.p,
                        "mark": test.mark,
                        "better": better_configuration(test, reference, other, higher_is_better),
                        "note": test.note,
                    }
                )
    return pd.DataFrame(rows, columns=list(TTEST_COLUMNS))
