"""Fine-tuning: start every network of a fold from the weights of a trained model (``--pretrained MODEL``).

The source is any MODEL argument (:func:`thigh_common.model_files.locate.locate_model`):
a model folder, a ``fold_F`` folder, an exported archive or an installed name. Of a
model folder, ``fold_all`` is used when present, else its only fold; with several
folds and no ``fold_all`` the user names one. Each network starts from that fold's
``NETWORK/checkpoint_final.pt``; the optimiser, schedule and epoch count start
afresh. Weights of a network that differs from the plans (topology, classes, input
channels, patch size) are refused with one line naming the first difference, before
any training starts. ``--freeze-encoder`` keeps the encoder's weights fixed and
trains the decoder and heads only (for very few new cases).

Example:
    >>> source = find_pretrained("results/Dataset020/2d5/fold_all", plans, "2d5", unpack)  # doctest: +SKIP
    >>> load_pretrained(network, source, "axial")  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from thigh_common.errors import InvalidInputError
from thigh_common.model_files.locate import FOLD_PREFIX, locate_model
from thigh_common.model_files.manifest import file_sha256
from thigh_networks import checkpoint as ckpt
from thigh_planner.plans import PLANS_FILE, Plans, load_plans

logger = logging.getLogger(__name__)

ALL_FOLD = "all"


@dataclass(frozen=True)
class PretrainedWeights:
    """The checkpoints a fold's networks start from.

    Attributes:
        source: The MODEL argument as given.
        fold_folder: The source model's fold folder.
        checkpoints: Per network name, the checkpoint file.
        sha256: Per network name, the checkpoint's SHA-256.
    """

    source: str
    fold_folder: Path
    checkpoints: dict[str, Path]
    sha256: dict[str, str]

    def record(self, network: str) -> dict[str, Any]:
        """What ``training.json`` records about a network's starting weights."""
        return {
            "model": self.source,
            "fold_folder": str(self.fold_folder),
            "checkpoint": str(self.checkpoints[network]),
            "sha256": self.sha256[network],
        }


def _choose_fold(folders: list[Path], source: str) -> Path:
    """``fold_all``, else the only fold; several folds are ambiguous."""
    by_name = {folder.name.removeprefix(FOLD_PREFIX): folder for folder in folders}
    if len(folders) == 1:
        return folders[0]
    if ALL_FOLD in by_name:
        return by_name[ALL_FOLD]
    raise InvalidInputError(
        f"{source}: the model has folds {', '.join(sorted(by_name))} and no fold_all; name the fold to start "
        f"from, e.g. --pretrained {Path(source) / folders[0].name}"
    )


def topology_differences(
    source: Plans, target: Plans, configuration: str, networks: tuple[str, ...]
) -> list[str]:
    """How the source model's networks differ from those the plans build (empty: the weights fit).

    Compares every field of the network topology (stages, features, kernels, strides, classes,
    input channels, norm, deep supervision) and each network's patch size.
    """
    found = []
    source_configuration = source.configurations.get(configuration)
    if source_configuration is None:
        return [
            f"the model holds no {configuration} configuration (it has {', '.join(source.configurations)})"
        ]
    mine, theirs = target.configuration(configuration).network, source_configuration.network
    for field in dataclasses.fields(mine):
        if getattr(mine, field.name) != getattr(theirs, field.name):
            found.append(
                f"{field.name} {getattr(theirs, field.name)} in the model, {getattr(mine, field.name)} in the plans"
            )
    for network in networks:
        theirs_patch = source_configuration.patch_size.get(network)
        mine_patch = target.configuration(configuration).patch_size.get(network)
        if theirs_patch is not None and tuple(theirs_patch) != tuple(mine_patch):
            found.append(
                f"{network} patch size {tuple(theirs_patch)} in the model, {tuple(mine_patch)} in the plans"
            )
    return found


def find_pretrained(
    spec: str, plans: Plans, configuration: str, networks: tuple[str, ...], unpack_folder: str | Path
) -> PretrainedWeights:
    """Find and check the weights every network of ``configuration`` starts from.

    Args:
        spec: The MODEL argument.
        plans: The plans the new training runs with.
        configuration: ``2d``, ``2d5`` or ``3d``.
        networks: The networks to be trained (orientations or ``volume``).
        unpack_folder: Where an archive is unpacked; must live as long as the training.

    Raises:
        InvalidInputError: If the model is not found, the fold is ambiguous, a network is missing,
            or the weights do not fit the plans (the message names the first difference).
    """
    location = locate_model(spec, unpack_folder=unpack_folder)
    fold = _choose_fold(location.fold_folders(), spec)
    differences = topology_differences(load_plans(fold / PLANS_FILE), plans, configuration, networks)
    if differences:
        more = f" (and {len(differences) - 1} more difference(s))" if len(differences) > 1 else ""
        raise InvalidInputError(
            f"--pretrained {spec}: its weights do not fit the planned {configuration} networks: "
            f"{differences[0]}{more}; plan with thigh_plan --plans-from {spec} so that they fit"
        )
    checkpoints = {}
    for network in networks:
        path = fold / network / ckpt.FINAL
        if not path.is_file():
            raise InvalidInputError(
                f"--pretrained {spec}: no {network} network ({path} is missing); the model was trained as "
                "another configuration, or not to the end"
            )
        checkpoints[network] = path
    return PretrainedWeights(
        spec, fold, checkpoints, {name: file_sha256(path) for name, path in checkpoints.items()}
    )


def load_pretrained(network: torch.nn.Module, weights: PretrainedWeights, name: str) -> None:
    """Load the source weights of network ``name`` into ``network`` (already built from the plans)."""
    path = weights.checkpoints[name]
    content = ckpt.load_checkpoint(path, required=("network",))
    try:
        network.load_state_dict(content["network"])
    except RuntimeError as error:
        raise ckpt.damaged(
            path, f"its weights do not fit the planned network: {str(error).splitlines()[0]}"
        ) from error
    logger.info("%s: starting from the weights of %s (sha256 %s)", name, path, weights.sha256[name][:12])


def freeze_encoder(network: torch.nn.Module) -> int:
    """Keep the encoder's weights fixed (no gradient); return the number of frozen parameters."""
    frozen = 0
    for parameter in network.encoder.parameters():
        parameter.requires_grad_(False)
        frozen += parameter.numel()
    return frozen
