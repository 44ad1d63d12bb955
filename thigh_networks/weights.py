"""Build the planned network and load its trained weights from a checkpoint.

Training writes the weights (:mod:`thigh_trainer.training.training_state`); the trainer's final
validation and ``thigh_predict`` read them here, so both run the same network.

Example:
    >>> network = load_weights(fold / "axial" / FINAL, plans.configuration("2d5").network)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from thigh_networks.build import build_network
from thigh_networks.checkpoint import damaged, load_checkpoint
from thigh_planner.plans import NetworkTopology


def load_weights(path: Path, topology: NetworkTopology) -> nn.Module:
    """The network of ``topology`` with the weights of the checkpoint at ``path``, on the CPU.

    Args:
        path: A checkpoint holding the key ``network`` (e.g. ``checkpoint_final.pt``).
        topology: The planned network, e.g. ``plans.configuration("2d5").network``.

    Returns:
        The network in training mode (as built); the caller moves it and sets eval mode.

    Raises:
        CheckpointError: For a missing or damaged checkpoint, or weights of another network.
    """
    content = load_checkpoint(path, required=("network",))
    network = build_network(topology)
    try:
        network.load_state_dict(content["network"])
    except RuntimeError as error:
        raise damaged(
            path, f"its weights do not fit the planned network: {str(error).splitlines()[0]}"
        ) from error
    return network
