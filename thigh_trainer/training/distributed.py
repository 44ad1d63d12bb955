"""Distributed data-parallel (DDP) training set up from torchrun's environment variables.

``torchrun --nproc_per_node N -m thigh_trainer.cli 2d5 0`` starts N processes with ``RANK``,
``WORLD_SIZE`` and ``LOCAL_RANK`` set; each takes the GPU ``cuda:LOCAL_RANK`` (backend
``nccl``), or the CPU (backend ``gloo``). Only rank 0 logs, writes checkpoints and runs the
final validation; each rank draws different batches (its own data seed); the validation
loss is averaged over ranks. Without those variables training runs in one process.

Example:
    >>> context = DistributedContext()
    >>> context.enabled, context.is_main, context.data_seed(7)
    (False, True, 7)
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os

import torch
import torch.distributed as dist

from thigh_common.errors import InvalidInputError

logger = logging.getLogger(__name__)
RANK_SEED_STRIDE = 1_000_003
"""Distance between the data seeds of two ranks (a prime, so seeds of nearby runs do not collide)."""


@dataclasses.dataclass(frozen=True)
class DistributedContext:
    """Where this process stands in a DDP run (the defaults describe a single process)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str | None = None

    @property
    def enabled(self) -> bool:
        """Whether more than one process trains together."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Whether this process logs, writes checkpoints and validates."""
        return self.rank == 0

    def data_seed(self, seed: int) -> int:
        """A data seed that differs per rank, so ranks draw different batches."""
        return seed + self.rank * RANK_SEED_STRIDE

    def local_batch_size(self, batch_size: int) -> int:
        """Per-rank share of the global ``batch_size`` (at least 1)."""
        return max(1, batch_size // self.world_size)


def context_from_environment() -> DistributedContext:
    """Read ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` (absent: a single process).

    Raises:
        InvalidInputError: For values that are not integers or are out of range.
    """
    try:
        world_size = int(os.environ.get("WORLD_SIZE", "1"))
        rank = int(os.environ.get("RANK", "0"))
        local_rank = int(os.environ.get("LOCAL_RANK", str(rank)))
    except ValueError as error:
        raise InvalidInputError(f"RANK, WORLD_SIZE and LOCAL_RANK must be integers ({error})") from None
    if world_size < 1 or not 0 <= rank < world_size or local_rank < 0:
        raise InvalidInputError(
            f"inconsistent torchrun variables: RANK={rank}, WORLD_SIZE={world_size}, LOCAL_RANK={local_rank}"
        )
    return DistributedContext(rank, world_size, local_rank)


def setup_distributed(device: torch.device) -> tuple[DistributedContext, torch.device]:
    """Join the process group torchrun set up, if any, and pick this rank's device.

    Args:
        device: The device asked for (``cuda`` becomes ``cuda:LOCAL_RANK`` under DDP).

    Returns:
        The context and the device this process trains on.
    """
    context = context_from_environment()
    if not context.enabled:
        return context, device
    if device.type == "cuda":
        if context.local_rank >= torch.cuda.device_count():
            raise InvalidInputError(
                f"LOCAL_RANK {context.local_rank} but only {torch.cuda.device_count()} CUDA device(s); "
                "start torchrun with --nproc_per_node at most the number of GPUs"
            )
        device = torch.device("cuda", context.local_rank)
        torch.cuda.set_device(device)
        backend = "nccl"
    else:
        backend = "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, timeout=datetime.timedelta(minutes=30))
    logger.info("DDP rank %d of %d on %s (%s)", context.rank, context.world_size, device, backend)
    return dataclasses.replace(context, backend=backend), device


def cleanup_distributed(context: DistributedContext) -> None:
    """Leave the process group (no-op for a single process)."""
    if context.enabled and dist.is_initialized():
        dist.destroy_process_group()


def wrap_model(
    network: torch.nn.Module,
    context: DistributedContext,
    device: torch.device,
    find_unused_parameters: bool = False,
) -> torch.nn.Module:
    """Wrap ``network`` in ``DistributedDataParallel`` under DDP (unchanged otherwise).

    Batch norm layers become ``SyncBatchNorm`` on CUDA, so statistics span the global batch.

    Args:
        network: The network, already on ``device``.
        context: The DDP context.
        device: This rank's device.
        find_unused_parameters: Needed with deep supervision: the lowest-resolution head has
            loss weight 0, so its parameters get no gradient.
    """
    if not context.enabled:
        return network
    from torch.nn.parallel import DistributedDataParallel

    if device.type == "cuda":
        network = torch.nn.SyncBatchNorm.convert_sync_batchnorm(network)
        return DistributedDataParallel(
            network,
            device_ids=[device.index],
            output_device=device.index,
            find_unused_parameters=find_unused_parameters,
        )
    return DistributedDataParallel(network, find_unused_parameters=find_unused_parameters)


def unwrap_model(network: torch.nn.Module) -> torch.nn.Module:
    """The plain network inside a DDP wrapper (whose ``state_dict`` keys carry no ``module.``)."""
    return network.module if hasattr(network, "module") else network


def all_reduce_sum(values: torch.Tensor, context: DistributedContext) -> torch.Tensor:
    """Sum a float64 tensor over ranks (returned unchanged for a single process)."""
    if not context.enabled:
        return values
    device = torch.device("cuda", context.local_rank) if context.backend == "nccl" else torch.device("cpu")
    reduced = values.to(device=device, dtype=torch.float64).clone()
    dist.all_reduce(reduced, op=dist.ReduceOp.SUM)
    return reduced.cpu()


def barrier(context: DistributedContext) -> None:
    """Wait for every rank (no-op for a single process)."""
    if context.enabled:
        dist.barrier()


def broadcast_value(number: float, context: DistributedContext) -> float:
    """Rank 0's ``number`` on every rank (e.g. the share of the time budget used)."""
    if not context.enabled:
        return number
    value = torch.tensor([float(number)], dtype=torch.float64)
    if context.backend == "nccl":
        value = value.cuda(context.local_rank)
    dist.broadcast(value, src=0)
    return float(value.item())


def broadcast_flag(flag: bool, context: DistributedContext) -> bool:
    """Rank 0's ``flag`` on every rank (so all ranks stop after the same epoch)."""
    return broadcast_value(1.0 if flag else 0.0, context) > 0.5
