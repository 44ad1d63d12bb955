"""``thigh_predict`` killed with SIGKILL and started again; scans that hang or run out of memory."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import SimpleITK as sitk
import torch
from support.commands import run_main
from support.prediction_models import predict_but_hang_or_die, tiny_model_results
from support.training_datasets import DATASET, tiny_preprocessed_root

from thigh_inference.cli import main
from thigh_inference.predict_run import PredictOptions, cohort_scans, predict_cohort
from thigh_inference.scan_process import ModelSource

SOURCE = "phantom_000_0000.nii.gz"


def cohort(folder: Path, *names: str) -> Path:
    folder.mkdir()
    source = tiny_preprocessed_root().parent / "raw" / DATASET / "imagesTr" / SOURCE
    for name in names:
        shutil.copy(source, folder / f"{name}.nii.gz")
    return folder


def predict_command(scans: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "thigh_inference.cli", "--results", str(tiny_model_results()), "-d", DATASET,
        "-i", str(scans), "-o", str(out), *extra,
    ]  # fmt: skip


def final_files(out: Path, pattern: str) -> list[Path]:
    """The files matching ``pattern`` under final names.

    ``Path.glob`` also matches hidden names, and a writer killed mid-way leaves its
    temporary file (``.NAME.RANDOM.part.png``) behind until the run is resumed.
    """
    return [path for path in out.glob(pattern) if not path.name.startswith(".")]


def assert_outputs_whole(out: Path) -> None:
    """Every file under a final name is complete: it reads."""
    for path in final_files(out, "*.nii.gz"):
        assert sitk.GetArrayFromImage(sitk.ReadImage(str(path))).max() >= 0
    for path in final_files(out, "*_muscles.csv"):
        assert len(pd.read_csv(path)) > 0
    for path in final_files(out, "*.png"):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.read_bytes()[-8:-4] == b"IEND"


def test_a_cohort_killed_with_sigkill_finishes_the_rest_and_redoes_none(tmp_path: Path) -> None:
    scans, out = cohort(tmp_path / "scans", "a", "b", "c"), tmp_path / "out"
    run = subprocess.Popen(
        predict_command(scans, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 900
    while not (out / "a.nii.gz").exists():
        assert run.poll() is None, run.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.02)
    finished_first = time.monotonic()
    time.sleep(random.uniform(0.0, 2.0))  # within the second scan (about 3-6 s here)
    assert run.poll() is None, "the run ended before it could be killed"
    os.kill(run.pid, signal.SIGKILL)
    run.communicate()
    assert run.returncode == -signal.SIGKILL
    assert_outputs_whole(out)
    finished = {path.name: path.stat().st_mtime_ns for path in final_files(out, "*.nii.gz")}
    finished_tables = {path.name: path.stat().st_mtime_ns for path in final_files(out, "*_muscles.csv")}
    assert "a.nii.gz" in finished and len(finished) < 3, time.monotonic() - finished_first

    again = subprocess.run(predict_command(scans, out), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"skipping {len(finished)} scan(s)" in again.stderr
    assert f"predicted {3 - len(finished)} scan(s)" in again.stdout
    assert sorted(path.name for path in out.glob("*.nii.gz")) == ["a.nii.gz", "b.nii.gz", "c.nii.gz"]
    for name, mtime in finished.items():
        assert (out / name).stat().st_mtime_ns == mtime, f"{name} was predicted again"
        table = name.replace(".nii.gz", "_muscles.csv")
        assert (out / table).stat().st_mtime_ns == finished_tables[table]
    assert_outputs_whole(out)
    assert set(pd.read_csv(out / "summary.csv")["case"]) == {"a", "b", "c"}
    assert not [path.name for path in out.iterdir() if path.name.startswith(".")], "temporary files left"


def test_a_scan_that_hangs_or_runs_out_of_memory_fails_and_the_cohort_goes_on(tmp_path: Path) -> None:
    scans, out = cohort(tmp_path / "scans", "hang", "oom", "ok"), tmp_path / "out"
    results = tiny_model_results() / DATASET / "2d5"
    options = PredictOptions(scans, out, torch.device("cpu"), scan_timeout_minutes=0.5)
    started = time.monotonic()
    failures = predict_cohort(
        ModelSource(results, None, torch.device("cpu")),
        options,
        cohort_scans(options),
        predict_but_hang_or_die,
    )
    assert time.monotonic() - started < 900
    assert failures.succeeded == ["ok"] and (out / "ok.nii.gz").is_file()
    reasons = {failure.case_id: failure.reason for failure in failures.failures}
    assert reasons["hang"].startswith("stopped after 30 s: longer than --scan-timeout-minutes 0.5; ")
    assert reasons["oom"].startswith("the process predicting it was killed (SIGKILL: out of memory?")
    assert not (out / "hang.nii.gz").exists() and not (out / "oom.nii.gz").exists()
    assert list(pd.read_csv(out / "summary.csv")["case"].unique()) == ["ok"]


def test_scan_timeout_option(tmp_path: Path) -> None:
    scans = cohort(tmp_path / "scans", "plain")
    done = subprocess.run(
        predict_command(scans, tmp_path / "out", "--scan-timeout-minutes", "0.0001"),
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert (
        "plain: stopped after 0 s: longer than --scan-timeout-minutes 0.0001; the scan may make"
        in done.stderr
    )


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_scan_timeout_must_be_positive(tmp_path: Path, limit: str) -> None:
    done = run_main(
        main, "--results", tmp_path, "-i", tmp_path, "-o", tmp_path / "out", "--scan-timeout-minutes", limit
    )
    assert done.returncode == 2
    assert f"--scan-timeout-minutes must be a positive number of minutes; got {limit}" in done.stderr
