"""Fine-tuning sources: finding a model's weights, refusing those that do not fit, freezing the encoder."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest
import torch
from support.prediction_models import tiny_model_results
from support.training_datasets import DATASET, tiny_preprocessed_root

from thigh_common.errors import InvalidInputError
from thigh_common.model_files.export import export_model
from thigh_networks import build_network
from thigh_networks import checkpoint as ckpt
from thigh_planner.plans import load_plans
from thigh_trainer.training import TrainingOptions, train_fold
from thigh_trainer.training.pretrained import find_pretrained, freeze_encoder, load_pretrained

NETWORKS = ("axial", "coronal", "sagittal")


@pytest.fixture(scope="module")
def model():
    return tiny_model_results() / DATASET / "2d5"


@pytest.fixture(scope="module")
def plans(model):
    return load_plans(model / "fold_0" / "plans.json")


def test_networks_start_from_the_source_weights(model, plans, tmp_path):
    source = find_pretrained(str(model), plans, "2d5", NETWORKS, tmp_path)
    assert source.fold_folder == model / "fold_0" and set(source.checkpoints) == set(NETWORKS)
    network = build_network(plans.configuration("2d5").network)
    load_pretrained(network, source, "coronal")
    expected = ckpt.load_checkpoint(model / "fold_0" / "coronal" / ckpt.FINAL, required=("network",))[
        "network"
    ]
    for key, value in network.state_dict().items():
        torch.testing.assert_close(value, expected[key])
    record = source.record("coronal")
    assert record["model"] == str(model) and len(record["sha256"]) == 64


def test_an_exported_archive_is_a_source_too(model, plans, tmp_path):
    archive = tmp_path / "model.zip"
    export_model(model, archive)
    source = find_pretrained(str(archive), plans, "2d5", NETWORKS, tmp_path / "unpacked")
    for name in NETWORKS:  # the archive holds the weights without the optimiser state
        exported = ckpt.load_checkpoint(source.checkpoints[name], required=("network",))["network"]
        original = ckpt.load_checkpoint(model / "fold_0" / name / ckpt.FINAL, required=("network",))["network"]
        assert all(torch.equal(exported[key], original[key]) for key in original)


def test_weights_of_another_topology_are_refused_with_the_difference(model, plans, tmp_path):
    configuration = plans.configuration("2d5")
    wider = dataclasses.replace(
        configuration.network,
        features_per_stage=tuple(2 * f for f in configuration.network.features_per_stage),
    )
    other = dataclasses.replace(
        plans,
        configurations={**plans.configurations, "2d5": dataclasses.replace(configuration, network=wider)},
    )
    with pytest.raises(InvalidInputError) as error:
        find_pretrained(str(model), other, "2d5", NETWORKS, tmp_path)
    message = str(error.value)
    assert (
        "its weights do not fit the planned 2d5 networks: features_per_stage (4, 8, 16) in the model"
        in message
    )
    assert "thigh_plan --plans-from" in message


def test_other_classes_and_patch_sizes_are_refused(model, plans, tmp_path):
    configuration = plans.configuration("2d5")
    fewer = dataclasses.replace(configuration.network, num_classes=5)
    patch = {name: tuple(2 * s for s in size) for name, size in configuration.patch_size.items()}
    for changed, expected in (
        (dataclasses.replace(configuration, network=fewer), "num_classes 11 in the model, 5 in the plans"),
        (dataclasses.replace(configuration, patch_size=patch), "axial patch size"),
    ):
        other = dataclasses.replace(plans, configurations={**plans.configurations, "2d5": changed})
        with pytest.raises(InvalidInputError, match=expected):
            find_pretrained(str(model), other, "2d5", NETWORKS, tmp_path)


def test_a_model_with_several_folds_and_no_fold_all_needs_a_fold_named(model, plans, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(model, copy)
    shutil.copytree(copy / "fold_0", copy / "fold_1")
    with pytest.raises(InvalidInputError, match="the model has folds 0, 1 and no fold_all; name the fold"):
        find_pretrained(str(copy), plans, "2d5", NETWORKS, tmp_path)
    assert (
        find_pretrained(str(copy / "fold_1"), plans, "2d5", NETWORKS, tmp_path).fold_folder == copy / "fold_1"
    )


def test_a_missing_network_is_named(model, plans, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(model, copy)
    (copy / "fold_0" / "sagittal" / ckpt.FINAL).unlink()
    with pytest.raises(InvalidInputError, match="no sagittal network"):
        find_pretrained(str(copy), plans, "2d5", NETWORKS, tmp_path)


def test_freezing_the_encoder_leaves_only_decoder_and_heads_trainable(plans):
    network = build_network(plans.configuration("2d5").network)
    frozen = freeze_encoder(network)
    assert frozen == sum(p.numel() for p in network.encoder.parameters()) > 0
    trainable = [name for name, p in network.named_parameters() if p.requires_grad]
    assert trainable and all(not name.startswith("encoder.") for name in trainable)


def _fine_tune(results, model, **changes):
    settings = dict(
        configuration="2d5",
        fold=0,
        preprocessed_root=tiny_preprocessed_root(),
        results_root=results,
        epochs=1,
        iterations=1,
        workers=0,
        validation_batches=1,
        final_validation=False,
        pretrained=str(model),
        orientation="axial",
    )
    settings.update(changes)
    return train_fold(TrainingOptions(**settings)) / "axial"


def _forward(state, plans):
    network = build_network(plans.configuration("2d5").network)
    network.load_state_dict(state)
    network.eval()
    torch.manual_seed(0)
    with torch.no_grad():
        return network(torch.randn(1, 3, 64, 64))


def test_a_fine_tuned_run_starts_from_the_source_weights_and_records_them(model, plans, tmp_path):
    folder = _fine_tune(tmp_path / "results", model, learning_rate=1e-12)
    source = ckpt.load_checkpoint(model / "fold_0" / "axial" / ckpt.FINAL, required=("network",))["network"]
    tuned = ckpt.load_checkpoint(folder / ckpt.FINAL, required=("network",))["network"]
    first, second = _forward(source, plans), _forward(tuned, plans)
    torch.testing.assert_close(first, second, rtol=1e-4, atol=1e-4)  # one step of lr 1e-12 changes nothing
    scratch = _fine_tune(tmp_path / "scratch", model, learning_rate=1e-12, pretrained=None)
    fresh = ckpt.load_checkpoint(scratch / ckpt.FINAL, required=("network",))["network"]
    assert not torch.allclose(_forward(fresh, plans), first, atol=1e-3)  # the check can fail
    record = json.loads((folder / "training.json").read_text())
    assert record["pretrained"]["model"] == str(model) and len(record["pretrained"]["sha256"]) == 64
    assert record["freeze_encoder"] is False


def test_a_frozen_encoder_keeps_the_source_weights(model, tmp_path):
    folder = _fine_tune(tmp_path / "results", model, learning_rate=1e-2, iterations=2, freeze_encoder=True)
    source = ckpt.load_checkpoint(model / "fold_0" / "axial" / ckpt.FINAL, required=("network",))["network"]
    tuned = ckpt.load_checkpoint(folder / ckpt.FINAL, required=("network",))["network"]
    encoder = [key for key in source if key.startswith("encoder.") and source[key].is_floating_point()]
    decoder = [key for key in source if key.startswith("decoder.") and key.endswith("weight")]
    assert encoder and all(torch.equal(source[key], tuned[key]) for key in encoder if "running" not in key)
    assert any(not torch.equal(source[key], tuned[key]) for key in decoder)


def test_freeze_encoder_without_pretrained_is_refused():
    with pytest.raises(InvalidInputError, match="--freeze-encoder needs --pretrained MODEL"):
        TrainingOptions(configuration="2d5", fold=0, freeze_encoder=True)
