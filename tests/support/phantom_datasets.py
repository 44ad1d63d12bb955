"""Write phantom datasets with the real ``thigh_synth`` command, and read their ground truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def synthesise(folder: Path, *options: str) -> Path:
    """Write a phantom dataset to ``folder`` by running ``thigh_synth`` with ``options``."""
    subprocess.run(
        [sys.executable, "-m", "dataset_conversion.phantom.cli", "-o", str(folder), *options],
        check=True,
        capture_output=True,
    )
    return folder


def truth(folder: Path, case: str) -> dict:
    """The phantom's ground truth of ``case`` (``phantom_truth/CASE.json``)."""
    return json.loads((folder / "phantom_truth" / f"{case}.json").read_text())
