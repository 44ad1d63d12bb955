"""How a model predicts: the options of ``thigh_predict`` that change labels or speed, in one object.

Example:
    >>> settings = PredictionSettings(voting="majority")
    >>> settings.device, settings.postprocess
    (device(type='cpu'), True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass(frozen=True)
class PredictionSettings:
    """What every prediction step of a scan or leg needs besides the model and the image.

    Attributes:
        device: Where the networks run.
        amp: Mixed precision (fp16 on CUDA, bf16 on the CPU).
        voting: ``"sum"`` (the paper's winner takes all over summed probabilities) or ``"majority"``,
            see :mod:`thigh_inference.voting`.
        postprocess: Clear labels in air and keep only the largest 3D component of each muscle,
            see :mod:`thigh_inference.postprocessing`.
        keep_probabilities: Also keep each leg's mean probabilities (float16).
        quality: Also compute the quality scores of each leg's muscles
            (:mod:`thigh_inference.quality`).
    """

    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    amp: bool = False
    voting: str = "sum"
    postprocess: bool = True
    keep_probabilities: bool = False
    quality: bool = False
