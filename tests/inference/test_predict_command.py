"""``thigh_predict`` end to end through the real command, with a tiny model trained for two iterations.

The predictions run in a subprocess, as users run them; the refusals and the flags run in process.
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk
from support.commands import run_main
from support.training_datasets import DATASET, tiny_preprocessed_root

from thigh_common.errors import ThighSegError
from thigh_inference.cli import main
from thigh_inference.cohort_merge_cli import main as merge_main
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


def predict_in_process(*arguments: str, results: Path | None = None):
    return run_main(main, "--results", results or trained_results(), "-d", DATASET, *arguments)


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
        done = predict(
            "-i", str(scans / "plain.nii.gz"), "-o", str(out), "--backend", backend, "--precision", "fp32"
        )
        assert done.returncode == 0, done.stderr
        assert f"run by {backend}" in done.stderr
        labels[backend] = sitk.GetArrayFromImage(sitk.ReadImage(str(out / "plain.nii.gz")))
    assert np.count_nonzero(labels["torch"]) > 0
    assert np.mean(labels["torch"] == labels["openvino"]) > 0.9999


@pytest.mark.skipif(
    not (openvino_available() and nncf_available()), reason="OpenVINO or NNCF is not installed"
)
def test_int8_is_the_default_and_uses_the_calibration_inputs_thigh_train_saved(scans, tmp_path, monkeypatch):
    monkeypatch.setenv("THIGH_CACHE", str(tmp_path / "cache"))  # other tests quantised these networks already
    results = tmp_path / "results"
    shutil.copytree(trained_results(), results)
    fold = results / DATASET / "2d5" / "fold_0"
    assert all((fold / name / "calibration.npz").is_file() for name in ("axial", "coronal", "sagittal"))
    (fold / "sagittal" / "calibration.npz").unlink()  # as for a model trained before calibration files
    labels = {}
    for name, extra in (("float", ["--no-int8"]), ("int8", [])):
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
    assert (tmp_path / "part1" / "prediction_part1.json").is_file()
    # the parts join into one cohort summary; a part of another model would be refused
    parts = [str(tmp_path / "part0"), str(tmp_path / "part1")]
    done = run_main(merge_main, "-o", str(tmp_path / "cohort"), *parts)
    assert done.returncode == 0, done.stderr
    summary = pd.read_csv(tmp_path / "cohort" / "summary.csv")
    assert set(summary["case"]) == {"plain", "reoriented"}
    record = json.loads((tmp_path / "cohort" / "prediction.json").read_text())
    assert (
        sorted(part["part_id"] for part in record["merged_from"]) == [0, 1] and record["missing_parts"] == []
    )
    other = json.loads((tmp_path / "part1" / "prediction_part1.json").read_text())
    other["model"]["weights_sha256"] = {"fold_0/axial": "0" * 64}
    (tmp_path / "part1" / "prediction_part1.json").write_text(json.dumps(other))
    done = run_main(merge_main, "-o", str(tmp_path / "cohort2"), *parts)
    assert done.returncode == 2 and "they were made by different models" in done.stderr


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
    done = predict_in_process("-i", str(scans), "-o", str(tmp_path / "out"), *arguments)
    assert done.returncode == 2
    assert message in done.stderr


def test_unfinished_fold_is_named(tmp_path, scans):
    results = tmp_path / "results"
    shutil.copytree(trained_results(), results)
    (results / DATASET / "2d5" / "fold_0" / "coronal" / "checkpoint_final.pt").unlink()
    done = predict_in_process("-i", str(scans), "-o", str(tmp_path / "out"), results=results)
    assert done.returncode == 2
    assert "no checkpoint_final.pt for coronal" in done.stderr


class _StoppedError(ThighSegError):
    """Raised in place of the prediction, once the options are known."""


@pytest.fixture
def chosen_options(monkeypatch) -> list:
    """The PredictOptions of each in-process run; the run stops there (exit 2) without predicting."""
    import thigh_inference.predict_run as predict_run

    seen = []

    def stop(options):
        seen.append(options)
        raise _StoppedError("stopped before the scans")

    monkeypatch.setattr(predict_run, "cohort_scans", stop)
    return seen


@pytest.mark.parametrize(
    ("flags", "amp", "warning"),
    [
        (["--precision", "fp32"], False, None),
        (["--precision", "bf16"], True, None),
        (
            ["--no-amp"],
            False,
            "--no-amp is deprecated and will be removed in the next release; use --precision fp32",
        ),
        (
            ["--amp"],
            True,
            "--amp is deprecated and will be removed in the next release; use --precision bf16 on a CPU",
        ),
        (["--no-amp", "--precision", "bf16"], True, "--no-amp is deprecated"),
    ],
)
def test_precision_and_its_deprecated_spellings(tmp_path, chosen_options, flags, amp, warning):
    """``--precision`` chooses mixed precision; the old ``--amp``/``--no-amp`` still work, with a warning."""
    with pytest.warns(DeprecationWarning) if warning else contextlib.nullcontext():
        done = run_main(main, "-i", tmp_path, "-o", tmp_path / "out", "--device", "cpu", *flags)
    assert done.returncode == 2 and "stopped before the scans" in done.stderr
    assert chosen_options[0].amp is amp
    assert (warning in done.stderr) if warning else ("deprecated" not in done.stderr)


def test_auto_precision_follows_the_cpu(tmp_path, chosen_options):
    from thigh_networks.precision import cpu_has_native_bf16

    assert run_main(main, "-i", tmp_path, "-o", tmp_path / "out", "--device", "cpu").returncode == 2
    assert chosen_options[0].amp is cpu_has_native_bf16()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--precision", "fp16", "--device", "cpu"],
            "--precision fp16 needs a CUDA device; use bf16 or fp32",
        ),
        (
            ["--precision", "half"],
            "argument --precision: unknown precision 'half'; use auto, fp32, bf16, fp16",
        ),
        (["--device", "gpu"], "argument --device: unknown device 'gpu'; use cpu, cuda, cuda:N or auto"),
    ],
)
def test_bad_precision_or_device(tmp_path, flags, message):
    done = run_main(main, "-i", tmp_path, "-o", tmp_path / "out", *flags)
    assert done.returncode == 2 and message in done.stderr


def test_bf16_on_cuda_is_refused_by_prediction():
    from thigh_common.errors import InvalidInputError
    from thigh_inference.cli import _mixed_precision

    with pytest.raises(InvalidInputError, match="runs mixed precision as fp16 on CUDA; use --precision fp16"):
        _mixed_precision("bf16", "cuda")
    assert _mixed_precision("fp16", "cuda") and _mixed_precision("bf16", "cpu")
    assert not _mixed_precision("fp32", "cuda")
