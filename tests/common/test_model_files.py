"""Model export and install: one archive with checksums, refused when damaged, altered or unsafe."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile

import pytest
import torch
from support.prediction_models import tiny_model_results
from support.training_datasets import DATASET

from thigh_common.errors import InvalidInputError
from thigh_common.model_files.export import export_model
from thigh_common.model_files.install import install_model, installed_model, unpack_for_prediction
from thigh_common.model_files.locate import locate_model
from thigh_common.model_files.manifest import MANIFEST, SCHEMA


@pytest.fixture(scope="module")
def model_folder():
    return tiny_model_results() / DATASET / "2d5"


@pytest.fixture(scope="module")
def archive(model_folder, tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "tiny.zip"
    export_model(model_folder, path)
    return path


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rewrite(source, target, change):
    """Copy archive ``source`` to ``target``, passing every (name, bytes) through ``change``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            for name, data in change(info.filename, old.read(info.filename)):
                new.writestr(name, data)
    return target


def _assert_same_weights(data, source):
    exported = torch.load(io.BytesIO(data), weights_only=True)
    original = torch.load(source, weights_only=True)
    assert "optimizer" not in exported and "rng" not in exported
    assert exported["network"].keys() == original["network"].keys()
    for key, value in original["network"].items():
        assert torch.equal(exported["network"][key], value), key


def test_the_archive_holds_weights_plans_labels_and_a_manifest_with_checksums(archive, model_folder):
    with zipfile.ZipFile(archive) as content:
        names = set(content.namelist())
        manifest = json.loads(content.read(MANIFEST))
        for name in names - {MANIFEST}:
            assert manifest["files"][name]["sha256"] == hashlib.sha256(content.read(name)).hexdigest()
    assert manifest["schema"] == SCHEMA and manifest["configuration"] == "2d5"
    assert manifest["folds"] == ["0"] and manifest["checkpoint"] == "final"
    assert "validation_mean_dice" in manifest and manifest["thighseg_version"]
    for network in ("axial", "coronal", "sagittal"):
        name = f"fold_0/{network}/checkpoint_final.pt"
        assert name in names
        with zipfile.ZipFile(archive) as content:
            _assert_same_weights(
                content.read(name), model_folder / "fold_0" / network / "checkpoint_final.pt"
            )
        assert f"fold_0/{network}/training.json" in names
    assert {"fold_0/plans.json", "labels.json", MANIFEST} <= names
    assert not [
        name
        for name in names
        if "checkpoint_latest" in name or name.endswith(".npz") and "validation" in name
    ]
    assert set(manifest["files"]) == names - {MANIFEST}


def test_install_unpacks_a_model_folder_identical_to_the_exported_one(archive, model_folder, tmp_path):
    target = install_model(archive, root=tmp_path / "models", name="Tiny")
    assert target == tmp_path / "models" / "Tiny" and installed_model("Tiny", tmp_path / "models") == target
    with zipfile.ZipFile(archive) as content:
        for network in ("axial", "coronal", "sagittal"):
            relative = f"fold_0/{network}/checkpoint_final.pt"
            assert _digest(target / relative) == hashlib.sha256(content.read(relative)).hexdigest()
            _assert_same_weights((target / relative).read_bytes(), model_folder / relative)
    assert _digest(target / "fold_0" / "plans.json") == _digest(model_folder / "fold_0" / "plans.json")
    assert not [p for p in (tmp_path / "models").iterdir() if p.name.startswith(".")]


def test_a_second_install_of_the_same_name_needs_overwrite(archive, tmp_path):
    install_model(archive, root=tmp_path, name="Tiny")
    with pytest.raises(
        InvalidInputError, match="a model named 'Tiny' is installed; pass --name OTHER or --overwrite"
    ):
        install_model(archive, root=tmp_path, name="Tiny")
    install_model(archive, root=tmp_path, name="Tiny", overwrite=True)


def test_the_best_checkpoint_is_exported_under_the_name_predict_loads(model_folder, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(model_folder, copy)
    for network in ("axial", "coronal", "sagittal"):
        shutil.copy(
            copy / "fold_0" / network / "checkpoint_latest.pt",
            copy / "fold_0" / network / "checkpoint_best.pt",
        )
    manifest = export_model(copy, tmp_path / "best.zip", checkpoint="best")
    assert manifest["checkpoint"] == "best"
    with zipfile.ZipFile(tmp_path / "best.zip") as content:
        _assert_same_weights(
            content.read("fold_0/axial/checkpoint_final.pt"), copy / "fold_0" / "axial" / "checkpoint_best.pt"
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda name, data: [
                (name, data[:-1] + bytes([data[-1] ^ 1]) if name.endswith("plans.json") else data)
            ],
            "checksum of fold_0/plans.json differs from the manifest",
        ),
        (
            lambda name, data: [(name, data)] + ([("../evil.sh", b"rm -rf ~")] if name == MANIFEST else []),
            "archive entry '../evil.sh' would be written outside the model folder",
        ),
        (
            lambda name, data: [
                (
                    name,
                    json.dumps(dict(json.loads(data), schema=SCHEMA + 1)).encode()
                    if name == MANIFEST
                    else data,
                )
            ],
            f"archive schema {SCHEMA + 1} is newer than this thighseg reads",
        ),
        (
            lambda name, data: [] if name == MANIFEST else [(name, data)],
            "no manifest.json; not a model archive written by thigh_export",
        ),
        (
            lambda name, data: [] if name.endswith("sagittal/checkpoint_final.pt") else [(name, data)],
            "missing: fold_0/sagittal/checkpoint_final.pt",
        ),
        (
            lambda name, data: (
                [(name, data)] + ([("fold_0/extra.py", b"print(1)")] if name == MANIFEST else [])
            ),
            "not listed: fold_0/extra.py",
        ),
    ],
    ids=["flipped-bit", "zip-slip", "newer-schema", "no-manifest", "missing-file", "extra-file"],
)
def test_a_damaged_altered_or_unsafe_archive_is_refused_and_nothing_is_written(
    archive, tmp_path, change, message
):
    bad = _rewrite(archive, tmp_path / "bad.zip", change)
    models = tmp_path / "models"
    with pytest.raises(InvalidInputError) as error:
        install_model(bad, root=models, name="Bad")
    assert message in str(error.value)
    assert not models.exists() or not any(models.iterdir())
    assert not (tmp_path / "evil.sh").exists()


def test_a_symbolic_link_entry_is_refused(archive, tmp_path):
    bad = tmp_path / "link.zip"
    shutil.copy(archive, bad)
    with zipfile.ZipFile(bad, "a") as content:
        info = zipfile.ZipInfo("fold_0/link")
        info.external_attr = 0o120777 << 16
        content.writestr(info, "/etc/passwd")
    with pytest.raises(InvalidInputError, match="is a symbolic link"):
        install_model(bad, root=tmp_path / "models")


def test_a_file_that_is_no_zip_is_refused(tmp_path):
    fake = tmp_path / "model.zip"
    fake.write_text("not a zip")
    with pytest.raises(InvalidInputError, match="not a zip archive or damaged"):
        install_model(fake, root=tmp_path / "models")


def test_an_unknown_installed_name_lists_the_installed_ones(archive, tmp_path):
    install_model(archive, root=tmp_path, name="Tiny")
    with pytest.raises(InvalidInputError, match=r"no installed model 'Other' .*installed: Tiny"):
        installed_model("Other", tmp_path)


def test_a_model_name_with_a_folder_is_refused(archive, tmp_path):
    with pytest.raises(InvalidInputError, match="use letters, digits"):
        install_model(archive, root=tmp_path, name="../x")


def test_export_refuses_a_folder_without_folds_and_an_unknown_fold(model_folder, tmp_path):
    with pytest.raises(InvalidInputError, match="no fold_\\* folders"):
        export_model(tmp_path, tmp_path / "x.zip")
    with pytest.raises(InvalidInputError, match="no fold\\(s\\) 3; trained folds: 0"):
        export_model(model_folder, tmp_path / "x.zip", folds=["3"])


def test_unpacking_for_one_run_verifies_the_archive(archive, tmp_path):
    folder = unpack_for_prediction(archive, tmp_path)
    assert (folder / "fold_0" / "axial" / "checkpoint_final.pt").is_file()


def test_a_model_is_found_by_folder_fold_folder_archive_or_installed_name(archive, model_folder, tmp_path):
    assert locate_model(model_folder).folds is None
    fold = locate_model(model_folder / "fold_0")
    assert fold.folder == model_folder and fold.folds == ["0"]
    assert [p.name for p in fold.fold_folders()] == ["fold_0"]
    unpacked = locate_model(archive, unpack_folder=tmp_path / "run")
    assert (unpacked.folder / "fold_0" / "plans.json").is_file()
    install_model(archive, root=tmp_path / "models", name="Tiny")
    assert locate_model("Tiny", root=tmp_path / "models").folder == tmp_path / "models" / "Tiny"


def test_an_unknown_model_says_what_was_looked_at(tmp_path):
    with pytest.raises(
        InvalidInputError, match="no such model folder, fold folder or archive, and not the name"
    ):
        locate_model(str(tmp_path / "nowhere" / "x"), root=tmp_path)
    with pytest.raises(InvalidInputError, match="not a model folder"):
        locate_model(tmp_path)


def test_the_install_command_installs_and_lists(archive, tmp_path):
    from support.commands import run_main

    from thigh_common.model_files.cli import install_main

    done = run_main(install_main, archive, "--name", "Tiny", "--models", tmp_path)
    assert done.returncode == 0 and "predict with: thigh_predict -m Tiny" in done.stdout
    listed = run_main(install_main, "--list", "--models", tmp_path)
    assert listed.returncode == 0 and listed.stdout.startswith("Tiny: 2d5, folds 0, thighseg")
    refused = run_main(install_main, "--models", tmp_path)
    assert refused.returncode == 2 and "give the archive to install" in refused.stderr
