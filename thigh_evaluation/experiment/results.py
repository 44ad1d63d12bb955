"""The experiment's headline numbers, ``experiment.json`` and its ``README.md``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from thigh_common.atomic import write_json_atomic, write_text_atomic
from thigh_evaluation.metrics_table import METRICS_FILE, read_metrics_csv
from thigh_evaluation.summary import per_leg_overall

METRICS: tuple[str, ...] = ("dice", "asd_mm")


def configuration_means(evaluation: Path) -> dict[str, float]:
    """Mean and SD over legs of the per-leg mean over the ten classes, for Dice and ASD.

    Reads ``metrics.csv`` of a ``thigh_evaluate`` folder; the per-leg means are
    :func:`thigh_evaluation.summary.per_leg_overall`'s (the "overall" of ``summary.json``):
    a class undefined in a leg (absent from both maps, or ASD with one map empty) is left out.
    """
    per_leg = per_leg_overall(read_metrics_csv(evaluation / METRICS_FILE))
    result: dict[str, float] = {"legs": float(len(per_leg))}
    for metric in METRICS:
        result[f"{metric}_mean"] = float(per_leg[metric].mean())
        result[f"{metric}_sd"] = float(per_leg[metric].std(ddof=1)) if len(per_leg) > 1 else math.nan
    return result


def _number(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def write_results(output: Path, record: dict[str, Any]) -> None:
    """Write ``experiment.json`` (NaN as null) and a ``README.md`` summary of the experiment."""
    clean = {
        **record,
        "results": {c: {k: _number(v) for k, v in r.items()} for c, r in record["results"].items()},
    }
    write_json_atomic(clean, output / "experiment.json")
    write_text_atomic(_markdown(record), output / "README.md")


def _markdown(record: dict[str, Any]) -> str:
    lines = [
        f"# Experiment: 2D / 2.5D / 3D U-Net on {record['dataset']}",
        "",
        f"- training cases: {len(record['split']['train'])} ({2 * len(record['split']['train'])} thighs); "
        f"test cases: {len(record['split']['test'])}: {', '.join(record['split']['test'])}",
        f"- budget: {record['minutes_per_configuration']:g} min of training per configuration; "
        f"plans preset `{record['preset']}`; seed {record['seed']}",
        f"- training flags: `{' '.join(record['training_overrides']) or '(plans defaults)'}`",
        "",
        "| configuration | legs | Dice (mean ± SD) | ASD mm (mean ± SD) | training min |",
        "| --- | --- | --- | --- | --- |",
    ]
    for configuration, values in record["results"].items():
        minutes = record["seconds"].get(f"train {configuration}", np.nan) / 60
        lines.append(
            f"| {configuration} | {values['legs']:.0f} | {values['dice_mean']:.3f} ± {values['dice_sd']:.3f} "
            f"| {values['asd_mm_mean']:.2f} ± {values['asd_mm_sd']:.2f} | {minutes:.1f} |"
        )
    lines += ["", "Per-leg means over the ten muscles. Steps and their wall time:", ""]
    lines += [f"- {name}: {seconds:.0f} s" for name, seconds in record["seconds"].items()]
    if (Path(record["output"]) / "comparison" / "comparison.md").exists():
        lines += ["", "The comparison (box plots, paired t-tests): [comparison/comparison.md](comparison/comparison.md)",
                  "", "![comparison](comparison/comparison.png)"]  # fmt: skip
    lines += ["", "Logs of every step are in `logs/`."]
    return "\n".join(lines) + "\n"
