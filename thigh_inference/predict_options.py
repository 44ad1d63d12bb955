"""What ``thigh_predict`` was asked to do, shared by the cohort run and its worker process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from thigh_inference.settings import PredictionSettings


@dataclass(frozen=True)
class PredictOptions:
    """What ``thigh_predict`` was asked to do."""

    input_path: Path
    output_folder: Path
    device: torch.device
    amp: bool = False
    voting: str = "sum"
    postprocess: bool = True
    save_probabilities: bool = False
    overwrite: bool = False
    num_parts: int = 1
    part_id: int = 0
    series_uid: str | None = None
    scan_timeout_minutes: float | None = None

    @property
    def prediction_settings(self) -> PredictionSettings:
        """The options that reach the networks, the vote and the postprocessing."""
        return PredictionSettings(
            self.device, self.amp, self.voting, self.postprocess, self.save_probabilities, quality=True
        )
