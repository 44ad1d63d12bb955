"""Write phantom datasets with the real ``thigh_synth`` command (in process), and read their ground truth."""

from __future__ import annotations

import json
from pathlib import Path

from support.commands import run_main


def synthesise(folder: Path, *options: str) -> Path:
    """Write a phantom dataset to ``folder`` by running ``thigh_synth -o folder`` with ``options``."""
    from dataset_conversion.phantom.cli import main

    done = run_main(main, "-o", folder, *options)
    assert done.returncode == 0, done.stderr
    return folder


def truth(folder: Path, case: str) -> dict:
    """The phantom's ground truth of ``case`` (``phantom_truth/CASE.json``)."""
    return json.loads((folder / "phantom_truth" / f"{case}.json").read_text())
