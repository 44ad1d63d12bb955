"""A trained model folder: its plans, folds and networks, checked before anything is predicted.

Layout (written by ``thigh_train``): ``MODEL/fold_F/plans.json`` and per network
(``axial``, ``coronal``, ``sagittal`` or ``volume``) ``MODEL/fold_F/NETWORK/checkpoint_final.pt``
with ``training.json`` beside it. ``MODEL`` is ``THIGH_RESULTS/DATASET/CONFIG``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import torch

from thigh_common.errors import InvalidInputError
from thigh_common.model_files.layout import FINAL_CHECKPOINT, FOLD_PREFIX, PLANS_FILE
from thigh_planner.plans import CONFIGURATION_NAMES, Configuration, Plans, load_plans

logger = logging.getLogger(__name__)


@dataclass
class TrainedModel:
    """The networks of every requested fold of one configuration.

    Attributes:
        folder: The model folder (``THIGH_RESULTS/DATASET/CONFIG``).
        configuration_name: ``2d``, ``2d5`` or ``3d``.
        plans: The plans every fold was trained with.
        networks: Per fold name, per network name (orientation or ``volume``), the network in eval mode
            (a PyTorch module, or an :class:`~thigh_inference.openvino_network.OpenVinoNetwork`).
        backend: ``torch`` or ``openvino``: what runs the networks.
    """

    folder: Path
    configuration_name: str
    plans: Plans
    networks: dict[str, dict[str, torch.nn.Module]] = field(default_factory=dict)
    backend: str = "torch"

    @property
    def configuration(self) -> Configuration:
        """The configuration of the plans this model was trained as."""
        return self.plans.configuration(self.configuration_name)

    @property
    def network_names(self) -> tuple[str, ...]:
        """The networks of each fold: the orientations, or ``volume`` for ``3d``."""
        return self.configuration.network_names


def model_folder_for(results_root: Path, dataset: str, configuration: str) -> Path:
    """``THIGH_RESULTS/DATASET/CONFIG``, checked to exist.

    Raises:
        InvalidInputError: If no model was trained for that dataset and configuration.
    """
    if configuration not in CONFIGURATION_NAMES:
        raise InvalidInputError(
            f"unknown configuration {configuration!r}; choose one of {', '.join(CONFIGURATION_NAMES)}"
        )
    folder = results_root / dataset / configuration
    if not folder.is_dir():
        trained = (
            sorted(p.name for p in results_root.iterdir() if p.is_dir()) if results_root.is_dir() else []
        )
        raise InvalidInputError(
            f"no trained {configuration} model for dataset {dataset!r}: {folder} does not exist "
            f"(datasets with results under {results_root}: {', '.join(trained) or 'none'}). "
            f"Train one with: thigh_train {configuration} FOLD -d {dataset}"
        )
    return folder


def _configuration_of(folder: Path, fold_folders: list[Path]) -> str:
    for fold_folder in fold_folders:
        for record in sorted(fold_folder.glob("*/training.json")):
            return json.loads(record.read_text(encoding="utf-8"))["options"]["configuration"]
    if folder.name in CONFIGURATION_NAMES:
        return folder.name
    raise InvalidInputError(f"{folder}: cannot tell which configuration (2d, 2d5, 3d) was trained")


def load_network(
    path: Path, configuration: Configuration, device: torch.device, backend: str = "torch", int8: bool = False
) -> torch.nn.Module:
    """Build the planned network and load its weights from a checkpoint, in eval mode on ``device``.

    With ``backend="openvino"`` the network comes wrapped in an
    :class:`~thigh_inference.openvino_network.OpenVinoNetwork` (CPU only), which is called the same way;
    with ``int8`` too a 2D network runs quantised to 8-bit integers when the checkpoint has calibration
    inputs beside it (``calibration.npz``, written by ``thigh_train``), else in float with a warning;
    a 3D network always runs in float (no calibration inputs are saved for it).

    Raises:
        CheckpointError: For a missing or damaged checkpoint, or weights of another network.
    """
    from thigh_networks.weights import load_weights

    network = load_weights(path, configuration.network)
    if backend == "openvino":
        from thigh_inference.openvino_network import OpenVinoNetwork, checkpoint_key

        quantise = int8 and configuration.network.spatial_dims == 2
        calibration = _calibration_beside(path) if quantise else None
        return OpenVinoNetwork(network.eval(), checkpoint_key(path), calibration=calibration)  # type: ignore[return-value]
    if configuration.network.spatial_dims == 2:
        network = network.to(memory_format=torch.channels_last)
    return network.to(device).eval()


def _calibration_beside(checkpoint: Path) -> Path | None:
    """The calibration file beside a checkpoint, or None (with a warning) when there is none."""
    from thigh_inference.calibration import CALIBRATION_FILE

    calibration = checkpoint.parent / CALIBRATION_FILE
    if calibration.is_file():
        return calibration
    logger.warning(
        "%s: no %s beside the checkpoint (trained before thighseg wrote them); "
        "this network runs in float, not int8. thigh_train CONFIG FOLD --resume with the options of the "
        "training writes the file for a network that finished its epochs, without training it again.",
        checkpoint.parent,
        CALIBRATION_FILE,
    )
    return None


def load_model(
    folder: Path, folds: list[str] | None, device: torch.device, backend: str = "torch", int8: bool = False
) -> TrainedModel:
    """Load the networks of ``folds`` (default: every trained fold) from a model folder.

    Args:
        folder: ``THIGH_RESULTS/DATASET/CONFIG``, or a single ``fold_F`` folder.
        folds: Fold names such as ``"0"`` or ``"all"``; None for every fold present.
        device: Where the networks run.
        backend: ``torch`` or ``openvino`` (resolved, see :func:`thigh_inference.backends.resolve_backend`).
        int8: Run the networks quantised to 8-bit integers (OpenVINO only; see :func:`load_network`).

    Raises:
        InvalidInputError: When folds are missing or unfinished, or were trained with other plans.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInputError(f"model folder {folder} does not exist")
    if folder.name.startswith(FOLD_PREFIX) and (folder / PLANS_FILE).exists():
        folder, folds = folder.parent, [folder.name[len(FOLD_PREFIX) :]]
    present = sorted(p.name[len(FOLD_PREFIX) :] for p in folder.glob(f"{FOLD_PREFIX}*") if p.is_dir())
    if not present:
        raise InvalidInputError(f"{folder} holds no trained fold (no fold_* folder); train with thigh_train")
    wanted = present if folds is None else [str(f) for f in folds]
    missing = [fold for fold in wanted if fold not in present]
    if missing:
        raise InvalidInputError(
            f"fold(s) {', '.join(missing)} not found in {folder}; trained folds: {', '.join(present)}"
        )
    fold_folders = [folder / f"{FOLD_PREFIX}{fold}" for fold in wanted]
    configuration_name = _configuration_of(folder, fold_folders)
    plans = load_plans(fold_folders[0] / PLANS_FILE)
    model = TrainedModel(folder, configuration_name, plans, backend=backend)
    for fold, fold_folder in zip(wanted, fold_folders, strict=True):
        if load_plans(fold_folder / PLANS_FILE) != plans:
            raise InvalidInputError(
                f"{fold_folder} was trained with other plans than {fold_folders[0]}; "
                "predict with folds of one planning only (-f)"
            )
        unfinished = [n for n in model.network_names if not (fold_folder / n / FINAL_CHECKPOINT).is_file()]
        if unfinished:
            raise InvalidInputError(
                f"{fold_folder}: no {FINAL_CHECKPOINT} for {', '.join(unfinished)}; the training did not finish "
                f"(resume it with thigh_train {configuration_name} {fold} --resume, or leave the fold out with -f)"
            )
        model.networks[fold] = {
            name: load_network(
                fold_folder / name / FINAL_CHECKPOINT, model.configuration, device, backend, int8
            )
            for name in model.network_names
        }
    int8_note = " (int8)" if int8 else ""
    logger.info(
        "model %s: %s, folds %s, run by %s%s",
        folder,
        configuration_name,
        ", ".join(wanted),
        backend,
        int8_note,
    )
    return model
