"""``thigh_followup -m MODEL``: two scans (or two folders of scans) are predicted first, then compared."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from support.commands import run_main
from support.prediction_models import tiny_model_results
from support.training_datasets import DATASET, tiny_preprocessed_root

from thigh_inference.followup.cli import main

SOURCE = "phantom_000_0000.nii.gz"


def _scan(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    source = tiny_preprocessed_root().parent / "raw" / DATASET / "imagesTr" / SOURCE
    return Path(shutil.copy(source, folder / f"{name}.nii.gz"))


def test_a_scan_against_itself_predicted_by_a_model_shows_no_change(tmp_path: Path) -> None:
    model = tiny_model_results() / DATASET / "2d5"
    first, second = _scan(tmp_path / "2023", "p7_2023"), _scan(tmp_path / "2024", "p7_2024")
    out = tmp_path / "change"
    done = run_main(
        main, "--baseline", first, "--followup", second, "-o", out, "-m", model, "--device", "cpu"
    )
    assert done.returncode == 0, done.stderr
    assert (out / "baseline" / "p7_2023.nii.gz").is_file() and (
        out / "followup" / "p7_2024_muscles.csv"
    ).is_file()
    table = pd.read_csv(out / "followup.csv")
    assert set(table["subject"]) == {"p7_2023"} and set(table["followup"]) == {"p7_2024"}
    compared = table[table["compared"]]
    assert len(compared) > 0 and (compared["volume_change_ml"] == 0).all()
    assert (table["qc_baseline"].fillna("") == table["qc_followup"].fillna("")).all()
    assert (out / "p7_2023_change.png").is_file() and "p7_2023" in (out / "followup.md").read_text()

    again = run_main(
        main, "--baseline", first, "--followup", second, "-o", out, "-m", model, "--device", "cpu"
    )
    assert again.returncode == 0 and "skipping 1 scan(s)" in again.stderr  # the predictions are reused


def test_scans_without_a_model_or_missing_scans_are_refused(tmp_path: Path) -> None:
    scans = _scan(tmp_path / "scans", "p1").parent
    plain = run_main(main, "--baseline", scans, "--followup", scans, "-o", tmp_path / "out")
    assert plain.returncode == 2
    assert "no CASE_muscles.csv tables" in plain.stderr and "give a model with -m" in plain.stderr
    model = tiny_model_results() / DATASET / "2d5"
    missing = run_main(
        main, "--baseline", scans, "--followup", tmp_path / "nowhere", "-o", tmp_path / "o2", "-m", model
    )
    assert missing.returncode == 2
    assert f"follow-up scans: {tmp_path / 'nowhere'}: no such file or folder" in missing.stderr
    assert not (tmp_path / "o2" / "baseline").exists()  # refused before anything was predicted
