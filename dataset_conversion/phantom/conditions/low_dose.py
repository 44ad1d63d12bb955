"""Low dose: image noise drawn from 25-50 HU, above the default 8-25 HU and up to twice its maximum."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from dataset_conversion.phantom.conditions.base import Condition, Params
from dataset_conversion.phantom.parameters import SubjectParams

LOW_DOSE_SIGMA = (25.0, 50.0)
"""Range (HU) of the noise standard deviation."""


class LowDose(Condition):
    """Higher image noise."""

    name = "low-dose"
    summary = "noise sigma 25-50 HU (default cases: 8-25)"

    def sample(self, rng: np.random.Generator, value: str | None, sides: tuple[str, ...]) -> Params:
        """Draw this condition's parameters of a case."""
        return {"noise_sigma_hu": round(float(rng.uniform(*LOW_DOSE_SIGMA)), 2)}

    def subject(self, subject: SubjectParams, params: Params) -> SubjectParams:
        """Stage 1: replace the noise level."""
        return replace(subject, noise_sigma=params["noise_sigma_hu"])
