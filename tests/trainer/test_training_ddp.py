"""DDP: two CPU processes (gloo) started by torchrun train together and end with the same weights."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from support.training_datasets import DATASET, tiny_preprocessed_root

from thigh_common.errors import InvalidInputError
from thigh_trainer.training.distributed import DistributedContext, context_from_environment

RANK_SCRIPT = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    import torch
    import thigh_networks as networks
    from thigh_trainer.training import TrainingOptions, train_fold

    built = []
    original = networks.build_network
    networks.build_network = lambda topology: built.append(original(topology)) or built[-1]
    preprocessed, results = Path(sys.argv[1]), Path(sys.argv[2])
    options = TrainingOptions(
        configuration="2d", fold=0, preprocessed_root=preprocessed, results_root=results, epochs=1,
        iterations=2, batch_size=4, workers=0, validation_batches=2, final_validation=False, device="cpu",
    )
    train_fold(options)
    torch.save(built[0].state_dict(), results / f"rank_{os.environ['RANK']}.pt")
    """
)


def test_two_processes_train_one_epoch_and_agree(tmp_path: Path) -> None:
    script = tmp_path / "rank.py"
    script.write_text(RANK_SCRIPT)
    results = tmp_path / "results"
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               str(script), str(tiny_preprocessed_root()), str(results)]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # torchrun and both ranks
        process.communicate()
        raise
    assert process.returncode == 0, stderr[-3000:]
    first, second = (torch.load(results / f"rank_{rank}.pt") for rank in (0, 1))
    assert first.keys() == second.keys()
    for key in first:
        assert torch.allclose(first[key].float(), second[key].float(), atol=1e-6), key
    axial = results / DATASET / "2d" / "fold_0" / "axial"
    assert (axial / "checkpoint_final.pt").is_file() and (axial / "progress.csv").is_file()
    record = (axial / "training.json").read_text()
    assert '"world_size": 2' in record and '"batch_size_per_process": 2' in record


def test_context_defaults_to_one_process(monkeypatch) -> None:
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    context = context_from_environment()
    assert not context.enabled and context.is_main and context.local_batch_size(8) == 8


def test_ranks_get_different_data_seeds_and_a_share_of_the_batch() -> None:
    ranks = [DistributedContext(rank, 2, rank, "gloo") for rank in (0, 1)]
    assert ranks[0].data_seed(5) != ranks[1].data_seed(5)
    assert [context.local_batch_size(8) for context in ranks] == [4, 4]
    assert ranks[1].local_batch_size(1) == 1 and not ranks[1].is_main


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"WORLD_SIZE": "two"}, "RANK, WORLD_SIZE and LOCAL_RANK must be integers"),
        ({"WORLD_SIZE": "2", "RANK": "2"}, "inconsistent torchrun variables: RANK=2, WORLD_SIZE=2"),
    ],
)
def test_bad_torchrun_variables(monkeypatch, environment: dict, expected: str) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(InvalidInputError, match=expected):
        context_from_environment()
