"""``thigh_predict`` end to end through the real command, with a tiny model trained for two iterations."""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk
from support.training_datasets import DATASET, tiny_preprocessed_root

from thigh_inference.openvino_network import openvino_available
from thigh_inference.quantisation import nncf_available

REAL_CT = Path(__file__).resolve().parents[3] / "shared" / "data" / "real_ct"


def run(module: str, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *arguments], capture_output=True, text=True, timeout=600
    )


@functools.lru_cache(maxsize=1)
def trained_results() -> Path:
    """THIGH_RESULTS with a tiny 2d5 model of fold 0 (two iterations: the weights are not the point)."""
    root = tiny_preprocessed_root()
    results = root.parent / "results_for_prediction"
    if not (results / DATASET / "2d5" / "fold_0" / "sagittal" / "checkpoint_final.pt").exists():
        done = run(
            "thigh_trainer.cli", "2d5", "0", "--preprocessed", str(root), "--results", str(results),
            "--epochs", "1", "--iterations", "2", "--workers", "0", "--validation-batches", "1",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    return results


def predict(*arguments: str) -> subprocess.CompletedProcess:
    return run("thigh_inference.cli", "--results", str(trained_results()), "-d", DATASET, *arguments)


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> Path:
    """Two raw scans: one as stored, one re-oriented to a permuted, flipped direction matrix."""
    folder = tmp_path_factory.mktemp("scans")
    source = tiny_preprocessed_root().parent / "raw" / DATASET / "imagesTr" / "phantom_000_0000.nii.gz"
    shutil.copy(source, folder / "plain.nii.gz")
    image = sitk.ReadImage(str(source))
    sitk.WriteImage(sitk.DICOMOrient(image, "AIR"), str(folder / "reoriented.nrrd"))
    return folder


def test_predict_writes_labels_on_the_input_grid_tables_and_overlays(scans, tmp_path):
    out = tmp_path / "out"
    done = predict("-i", str(scans), "-o", str(out), "--save-probabilities")
    assert done.returncode == 0, done.stderr
    assert "predicted 2 scan(s)" in done.stdout
    for case, source in (("plain", "plain.nii.gz"), ("reoriented", "reoriented.nrrd")):
        image = sitk.ReadImage(str(scans / source))
        labels = sitk.ReadImage(str(out / f"{case}.nii.gz"))
        assert labels.GetPixelID() == sitk.sitkUInt8
        assert labels.GetSize() == image.GetSize()
        assert np.allclose(labels.GetSpacing(), image.GetSpacing())
        assert np.allclose(labels.GetOrigin(), image.GetOrigin())
        assert np.allclose(labels.GetDirection(), image.GetDirection())
        assert (out / f"{case}_overlay.png").stat().st_size > 0
        assert set(np.load(out / f"{case}_probabilities.npz").files) == {"left", "right"}
        table = pd.read_csv(out / f"{case}_muscles.csv")
        assert sorted(table["side"].unique()) == ["left", "right"]
        assert len(table[table["kind"] == "muscle"]) == 20 and len(table) == 2 * (10 + 4 + 1)
        quadriceps = table[(table["side"] == "left") & (table["muscle"] == "quadriceps")].iloc[0]
        vasti = table[(table["side"] == "left") & table["label"].isin([2, 3, 4, 5])]
        assert quadriceps["volume_ml"] == pytest.approx(vasti["volume_ml"].sum(), abs=0.03)
    # the same scan in two orientations gives the same labels in world space
    plain = sitk.ReadImage(str(out / "plain.nii.gz"))
    back = sitk.DICOMOrient(sitk.ReadImage(str(out / "reoriented.nii.gz")), "LPS")
    plain = sitk.DICOMOrient(plain, "LPS")
    agreement = np.mean(sitk.GetArrayFromImage(plain) == sitk.GetArrayFromImage(back))
    assert agreement > 0.99
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["case"]) == {"plain", "reoriented"}
    assert "volume_asymmetry_percent" in summary.columns
    assert (out / "labels.ctbl").read_text().count("\n") >= 11
    again = predict("-i", str(scans), "-o", str(out))
    assert again.returncode == 0 and "skipping 2 scan(s)" in again.stderr


@pytest.mark.skipif(not openvino_available(), reason="OpenVINO is not installed")
def test_openvino_and_pytorch_give_the_same_labels(scans, tmp_path):
    labels = {}
    for backend in ("torch", "openvino"):
        out = tmp_path / backend
        done = predict("-i", str(scans / "plain.nii.gz"), "-o", str(out), "--backend", backend, "--no-amp")
        assert done.returncode == 0, done.stderr
        assert f"run by {backend}" in done.stderr
        labels[backend] = sitk.GetArrayFromImage(sitk.ReadImage(str(out / "plain.nii.gz")))
    assert np.count_nonzero(labels["torch"]) > 0
    assert np.mean(labels["torch"] == labels["openvino"]) > 0.9999


@pytest.mark.skipif(
    not (openvino_available() and nncf_available()), reason="OpenVINO or NNCF is not installed"
)
def test_int8_uses_the_calibration_inputs_thigh_train_saved(scans, tmp_path):
    results = tmp_path / "results"
    shutil.copytree(trained_results(), results)
    fold = results / DATASET / "2d5" / "fold_0"
    assert all((fold / name / "calibration.npz").is_file() for name in ("axial", "coronal", "sagittal"))
    (fold / "sagittal" / "calibration.npz").unlink()  # as for a model trained before calibration files
    labels = {}
    for name, extra in (("float", []), ("int8", ["--int8"])):
        done = run("thigh_inference.cli", "--results", str(results), "-d", DATASET, "-i", str(scans / "plain.nii.gz"),
                   "-o", str(tmp_path / name), *extra)  # fmt: skip
        assert done.returncode == 0, done.stderr
        labels[name] = sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / name / "plain.nii.gz")))
    assert "run by openvino (int8)" in done.stderr
    assert done.stderr.count("quantising") == 2
    assert "sagittal: no calibration.npz beside the checkpoint" in done.stderr
    assert "this network runs in float, not int8" in done.stderr
    assert np.mean(labels["float"] == labels["int8"]) > 0.95


def test_resuming_a_finished_training_writes_missing_calibration_inputs(tmp_path):
    results = tmp_path / "results"
    shutil.copytree(trained_results(), results)
    network = results / DATASET / "2d5" / "fold_0" / "axial"
    (network / "calibration.npz").unlink()
    checkpoint = (network / "checkpoint_final.pt").read_bytes()
    done = run(
        "thigh_trainer.cli", "2d5", "0", "--preprocessed", str(tiny_preprocessed_root()), "--results", str(results),
        "--epochs", "1", "--iterations", "2", "--workers", "0", "--validation-batches", "1", "--resume",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "already trained for 1 epochs; skipping" in done.stderr
    assert (network / "calibration.npz").is_file()
    assert (network / "checkpoint_final.pt").read_bytes() == checkpoint  # the network itself is untouched


def test_sharding_splits_the_cohort_without_overlap(scans, tmp_path):
    outputs = []
    for part in ("0", "1"):
        out = tmp_path / f"part{part}"
        done = predict("-i", str(scans), "-o", str(out), "--num-parts", "2", "--part-id", part)
        assert done.returncode == 0, done.stderr
        outputs.append({p.name for p in out.glob("*.nii.gz")})
    assert outputs[0].isdisjoint(outputs[1])
    assert outputs[0] | outputs[1] == {"plain.nii.gz", "reoriented.nii.gz"}


def test_a_folder_run_goes_past_failing_scans_and_reports_them(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    source = tiny_preprocessed_root().parent / "raw" / DATASET / "imagesTr" / "phantom_001_0000.nii.gz"
    shutil.copy(source, folder / "good.nii.gz")
    (folder / "corrupt.nii.gz").write_bytes(b"not a nifti file")
    flat = sitk.GetImageFromArray(np.full((1, 20, 20), -1000, np.int16))
    sitk.WriteImage(flat, str(folder / "flat.nii.gz"))
    if (REAL_CT / "example_ct.nii.gz").exists():
        shutil.copy(REAL_CT / "example_ct.nii.gz", folder / "abdomen.nii.gz")
    out = tmp_path / "out"
    done = predict("-i", str(folder), "-o", str(out))
    assert done.returncode == 1
    assert (out / "good.nii.gz").exists()
    assert "corrupt: " in done.stderr and "starts with text 'not a nifti file'" in done.stderr
    assert "flat: " in done.stderr and "2D" in done.stderr
    assert not (out / "corrupt.nii.gz").exists() and not (out / "flat.nii.gz").exists()
    if (REAL_CT / "example_ct.nii.gz").exists():
        assert "abdomen: no thigh found in abdomen: searched z 94.3..426.3 mm" in done.stderr
        assert not (out / "abdomen.nii.gz").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["-f", "3"], "fold(s) 3 not found"),
        (["-c", "3d"], "no trained 3d model for dataset 'Tiny'"),
        (["-c", "4d"], "unknown configuration '4d'"),
        (["--num-parts", "2", "--part-id", "2"], "--part-id must be a whole number from 0 to 1"),
        (["--device", "cuda:7"], "CUDA"),
        (["--int8", "--backend", "torch"], "--int8 runs the networks through OpenVINO on the CPU"),
    ],
)
def test_bad_requests_stop_before_predicting(scans, tmp_path, arguments, message):
    if "cuda:7" in arguments:
        import torch

        if torch.cuda.device_count() > 7:
            pytest.skip("this machine has 8 GPUs")
    done = predict("-i", str(scans), "-o", str(tmp_path / "out"), *arguments)
    assert done.returncode == 2
    assert message in done.stderr


def test_unfinished_fold_is_named(tmp_path, scans):
    results = tmp_path / "results"
    shutil.copytree(trained_results(), results)
    (results / DATASET / "2d5" / "fold_0" / "coronal" / "checkpoint_final.pt").unlink()
    done = run("thigh_inference.cli", "--results", str(results), "-d", DATASET, "-i", str(scans), "-o",
               str(tmp_path / "out"))  # fmt: skip
    assert done.returncode == 2
    assert "no checkpoint_final.pt for coronal" in done.stderr
