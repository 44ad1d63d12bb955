"""The fixed validation batches scored after every epoch: drawn once, without augmentation.

Every rank draws the same batches (fixed seed) and scores its share (``rank::world_size``);
the sums are added over ranks, so the metric does not depend on the number of processes.
"""

from __future__ import annotations

import contextlib
import itertools
from typing import Any

from thigh_planner.plans import Augmentation
from thigh_trainer.training.distributed import DistributedContext
from thigh_trainer.training.jobs import NetworkJob

VALIDATION_SEED_OFFSET = 104_729
"""Added to the run's seed for the validation batches, so they differ from training batches."""
NO_AUGMENTATION = Augmentation(
    scale=(1.0, 1.0),
    shift_px=0.0,
    rotation_deg=0.0,
    noise=False,
    blur=False,
    brightness=False,
    contrast=False,
    gamma=False,
    mirror=False,
)
"""Augmentation settings that change nothing."""


def draw_validation_batches(job: NetworkJob, context: DistributedContext) -> list[dict[str, Any]]:
    """Draw ``job.validation_batches`` batches from the validation legs; return this rank's share.

    Returns:
        Batches ``{"data", "seg"}`` kept in host memory; empty when the job has no validation legs.
    """
    if not job.val_legs:
        return []
    from thigh_trainer.data.pipeline import make_batch_stream

    stream = make_batch_stream(
        job.val_legs,
        job.orientation,
        job.patch_size,
        job.batch_size,
        job.offset,
        augmentation=NO_AUGMENTATION,
        oversample_foreground=job.training.oversample_foreground,
        seed=job.seed + VALIDATION_SEED_OFFSET,
        num_workers=0,
    )
    with contextlib.closing(stream):
        batches = list(itertools.islice(iter(stream), job.validation_batches))
    return batches[context.rank :: context.world_size]
