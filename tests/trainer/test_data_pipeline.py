import json
import signal
from contextlib import contextmanager

import numpy as np
import pytest
import torch
from support.commands import run_main
from support.phantom_datasets import synthesise

from thigh_planner.cli import main as plan
from thigh_planner.plans import load_plans
from thigh_planner.plans.schema import Augmentation
from thigh_trainer.data.legs import LegArrays, load_legs
from thigh_trainer.data.pipeline import make_batch_stream, worker_seeds

ON = Augmentation((0.9, 1.1), 10, 20, True, True, True, True, True, False)


@contextmanager
def time_limit(seconds):
    def fail(*_):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def make_legs():
    rng = np.random.default_rng(0)
    image = rng.normal(size=(20, 32, 24)).astype(np.float32)
    labels = rng.integers(0, 11, size=image.shape).astype(np.uint8)
    return [LegArrays("a", image, labels), LegArrays("b", image[::-1].copy(), labels[::-1].copy())]


def test_single_process_stream_is_reproducible():
    def first_batches():
        with make_batch_stream(
            make_legs(), "axial", (32, 32), 2, 2, ON, 0.3, seed=5, num_workers=0
        ) as stream:
            return [next(stream)["data"] for _ in range(2)]

    a, b = first_batches(), first_batches()
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


def test_two_background_workers_yield_distinct_batches_and_stop():
    with time_limit(60):
        stream = make_batch_stream(make_legs(), "sagittal", (32, 32), 3, 2, ON, 0.3, seed=0, num_workers=2)
        with stream:
            batches = [next(stream) for _ in range(4)]
            processes = list(stream.augmenter._processes)
        assert all(b["data"].shape == (3, 3, 32, 32) and b["data"].dtype == torch.float32 for b in batches)
        assert not torch.equal(batches[0]["data"], batches[1]["data"])  # the two workers differ
        assert processes and not any(p.is_alive() for p in processes)
        with pytest.raises(RuntimeError, match="The batch stream is closed"):
            next(stream)


def test_3d_stream_and_bad_worker_count():
    with make_batch_stream(make_legs(), None, (16, 16, 16), 2, 0, ON, 0.5, seed=0, num_workers=0) as stream:
        batch = next(stream)
    assert batch["data"].shape == (2, 1, 16, 16, 16)
    assert set(np.unique(batch["seg"].numpy())) <= set(range(11))
    with pytest.raises(ValueError, match="num_workers must be >= 0, found -1"):
        make_batch_stream(make_legs(), "axial", (32, 32), 2, 2, ON, 0.3, seed=0, num_workers=-1)


def test_worker_seeds_distinct():
    seeds = worker_seeds(0, 4)
    assert len(set(seeds)) == 4 and seeds == worker_seeds(0, 4)


@pytest.fixture(scope="session")
def planned_phantom(tmp_path_factory):
    root = tmp_path_factory.mktemp("data_phantom")
    raw = synthesise(root / "raw" / "Tiny", "-n", "3", "--size", "tiny", "--seed", "1")
    pre = root / "pre"
    done = run_main(plan, raw, "--preprocessed", pre, "--folds", "3", "--workers", "1")
    assert done.returncode == 0, done.stderr
    return next(path for path in pre.iterdir() if (path / "preprocessing.json").exists())


def test_real_phantom_streams(planned_phantom):
    names = json.loads((planned_phantom / "preprocessing.json").read_text())["legs"]
    legs = load_legs(planned_phantom / "legs", names)
    plans = load_plans(planned_phantom / "plans.json")
    config = plans.configuration("2d5")
    for orientation in config.orientations:
        patch = config.patch_size[orientation]
        offset = plans.neighbour_offset_slices[orientation]
        with make_batch_stream(
            legs, orientation, patch, 4, offset, config.training.augmentation, 0.5, 0, 0
        ) as stream:
            batch = next(stream)
        assert batch["data"].shape == (4, 3, *patch)
        labels = set(np.unique(batch["seg"].numpy()).astype(int))
        assert labels <= set(range(11)) and len(labels) > 1
