"""A tiny trained 2d5 model for the prediction tests, and predict functions that misbehave on purpose."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support.training_datasets import DATASET, tiny_preprocessed_root


@functools.lru_cache(maxsize=1)
def tiny_model_results() -> Path:
    """THIGH_RESULTS with a tiny 2d5 model of fold 0 (two iterations: the weights are not the point)."""
    root = tiny_preprocessed_root()
    results = root.parent / "results_for_prediction"  # shared with test_predict_command
    if not (results / DATASET / "2d5" / "fold_0" / "sagittal" / "checkpoint_final.pt").exists():
        done = subprocess.run(
            [sys.executable, "-m", "thigh_trainer.cli", "2d5", "0", "--preprocessed", str(root),
             "--results", str(results), "--epochs", "1", "--iterations", "2", "--workers", "0",
             "--validation-batches", "1"],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    return results


def predict_but_hang_or_die(scan, model, options) -> dict[str, float]:
    """``predict_one``, except that a scan named ``hang*`` never ends and one named ``oom*`` gets SIGKILL."""
    from thigh_inference.predict_run import predict_one

    if scan.case_id.startswith("hang"):
        time.sleep(3600)
    if scan.case_id.startswith("oom"):
        os.kill(os.getpid(), signal.SIGKILL)  # what the out-of-memory killer does
    return predict_one(scan, model, options)
