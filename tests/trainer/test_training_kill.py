"""``thigh_train`` killed with SIGKILL (no exception, no clean-up) and resumed with ``--resume``."""

from __future__ import annotations

import csv
import logging
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import torch
from support.training_datasets import DATASET, tiny_preprocessed_root

from thigh_networks.checkpoint import BEST, FINAL, LATEST, remove_leftovers
from thigh_trainer.training import load_checkpoint

logger = logging.getLogger(__name__)
EPOCHS = 10  # long enough that the run outlives the kill window on a quiet machine too


def start_training(results: Path, *extra: str) -> subprocess.Popen:
    arguments = [
        "2d", "0", "--preprocessed", str(tiny_preprocessed_root()), "--results", str(results),
        "--epochs", str(EPOCHS), "--iterations", "2", "--workers", "0", "--validation-batches", "1",
        "--no-validation", *extra,
    ]  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "thigh_trainer.cli", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen) -> str:
    _, stderr = process.communicate(timeout=900)
    assert process.returncode == 0, stderr
    return stderr


def wait_for(path: Path, process: subprocess.Popen, timeout: float = 900.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.02)


def progress_rows(folder: Path) -> list[dict[str, str]]:
    """``progress.csv`` without the wall times."""
    rows = list(csv.DictReader((folder / "progress.csv").open()))
    return [{key: value for key, value in row.items() if key != "seconds"} for row in rows]


def assert_same_checkpoint(first: Path, second: Path) -> None:
    one, two = load_checkpoint(first), load_checkpoint(second)
    assert one["epoch"] == two["epoch"] and one["best_metric"] == two["best_metric"]
    assert one["network"].keys() == two["network"].keys()
    for key in one["network"]:
        assert torch.equal(one["network"][key], two["network"][key]), f"{first.name}: {key}"
    for index, moments in one["optimizer"]["state"].items():
        for name, value in moments.items():
            assert torch.equal(
                torch.as_tensor(value), torch.as_tensor(two["optimizer"]["state"][index][name])
            )
    assert one["scheduler"] == two["scheduler"]


def test_a_training_killed_at_a_random_moment_resumes_to_the_uninterrupted_result(tmp_path: Path) -> None:
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    uninterrupted = start_training(whole)
    victim = start_training(killed)
    folder = killed / DATASET / "2d" / "fold_0" / "axial"
    wait_for(folder / LATEST, victim)
    delay = random.uniform(0.0, 2.0)  # within the next epochs (0.5-4 s each, quiet to loaded machine)
    time.sleep(delay)
    assert victim.poll() is None, "the run ended before it could be killed"
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate()
    assert victim.returncode == -signal.SIGKILL
    epoch = load_checkpoint(folder / LATEST)["epoch"]  # whatever the moment, the checkpoint loads
    logger.info("killed %.2f s after the first checkpoint, at epoch %d", delay, epoch)
    assert 1 <= epoch <= EPOCHS

    stderr = finish(start_training(killed, "--resume"))
    finish(uninterrupted)
    if epoch < EPOCHS:
        assert f"axial: resuming after epoch {epoch} from" in stderr
    reference = whole / DATASET / "2d" / "fold_0" / "axial"
    for name in (LATEST, BEST, FINAL):
        assert_same_checkpoint(folder / name, reference / name)
    assert progress_rows(folder) == progress_rows(reference)
    assert not list(folder.glob(".*.part*")), "a temporary checkpoint was left behind"


WRITER = """
    import sys, torch
    from thigh_networks.checkpoint import save_checkpoint
    network = {"weights": torch.randn(4_000_000)}
    save_checkpoint(sys.argv[1], {"network": network, "epoch": 0})
    print("first", flush=True)
    for epoch in range(1, 1_000_000):
        save_checkpoint(sys.argv[1], {"network": network, "epoch": epoch})
"""


def test_a_kill_while_a_checkpoint_is_written_leaves_the_previous_one_loadable(tmp_path: Path) -> None:
    path = tmp_path / LATEST
    leftovers, kills = [], 0
    while not leftovers and kills < 10:  # until a kill lands inside a write (almost always the first)
        kills += 1
        writer = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(WRITER), str(path)], stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout.readline() == "first\n"
        time.sleep(random.uniform(0.05, 0.5))
        os.kill(writer.pid, signal.SIGKILL)
        writer.communicate()
        content = load_checkpoint(path, required=("network", "epoch"))
        assert content["network"]["weights"].shape == (4_000_000,)
        leftovers = list(tmp_path.glob(".*.part*"))
    logger.info("kill %d landed in a write; checkpoint of epoch %d intact", kills, content["epoch"])
    assert leftovers, "no kill landed inside a checkpoint write"
    remove_leftovers(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [LATEST]
