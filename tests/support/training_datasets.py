"""A tiny planned phantom dataset with tiny networks, for the training tests (made once per session)."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from support.commands import run_main
from support.phantom_datasets import synthesise
from thigh_planner.cli import main as plan
from thigh_planner.plans import load_plans, save_plans
from thigh_planner.plans.overrides import apply_overrides

DATASET = "Tiny"


def tiny_network(spatial_dims: int) -> dict:
    """A 3-stage U-Net with 4-8-16 features and deep supervision, as a plans override."""
    one, two, three = [1] * spatial_dims, [2] * spatial_dims, [3] * spatial_dims
    return {
        "features_per_stage": [4, 8, 16],
        "strides": [one, two, two],
        "kernel_sizes": [three, three, three],
        "n_conv_per_stage": [1, 1, 1],
        "n_conv_per_stage_decoder": [1, 1],
        "num_skip_connections": 2,
        "deep_supervision": True,
    }


TINY_OVERRIDES = {
    "configurations": {
        "2d": {"network": tiny_network(2), "batch_size": 2},
        "2d5": {"network": tiny_network(2), "batch_size": 2},
        "3d": {"network": tiny_network(3), "batch_size": 2, "patch_size": {"volume": [48, 48, 48]}},
    }
}


@functools.lru_cache(maxsize=1)
def tiny_preprocessed_root() -> Path:
    """``THIGH_PREPROCESSED`` holding ``Tiny``: 3 tiny phantom cases, 3 folds, tiny networks."""
    root = Path(tempfile.mkdtemp(prefix="thigh_training_tests_"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    raw = synthesise(root / "raw" / DATASET, "-n", "3", "--size", "tiny", "--seed", "1")
    done = run_main(plan, raw, "--preprocessed", root / "preprocessed", "--folds", "3", "--workers", "1")
    assert done.returncode == 0, done.stderr
    plans_path = root / "preprocessed" / DATASET / "plans.json"
    save_plans(apply_overrides(load_plans(plans_path), TINY_OVERRIDES), plans_path)
    return root / "preprocessed"


def copy_dataset(destination: Path) -> Path:
    """A private copy of the tiny preprocessed root (for tests that change it); returns the root."""
    shutil.copytree(tiny_preprocessed_root(), destination)
    return destination
