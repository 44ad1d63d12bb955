"""``thigh_validate`` run in process (``main(argv)``), and once through its installed console script."""

import os
import subprocess
import sys

import pytest
from support.commands import run_main

from dataset_conversion.validation.cli import main


def _run(*arguments, env=None):
    with pytest.MonkeyPatch.context() as patch:
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        return run_main(main, *arguments)


def test_clean_dataset_exits_0_with_summary(raw_dataset):
    result = _run(str(raw_dataset), "--workers", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 training case(s), 1 test image(s)" in result.stdout
    assert "no problems found" in result.stdout


def test_broken_dataset_exits_1_with_listing(raw_dataset, synth):
    (raw_dataset / "labelsTr" / "case_000.nii.gz").unlink()
    synth.write_image(synth.to_image(synth.label_array() + 20), raw_dataset / "labelsTr" / "case_001.nii.gz")
    result = _run(str(raw_dataset), "--workers", "2")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "  case_000:\n    - imagesTr/case_000_0000.nii.gz: pairing" in result.stdout
    assert "  case_001:\n    - labelsTr/case_001.nii.gz: label values" in result.stdout
    assert "2 problem(s)" in result.stderr


def test_missing_folder_exits_2_with_clear_message(tmp_path):
    result = _run("Dataset404", "--raw", str(tmp_path))
    assert result.returncode == 2
    assert "dataset 'Dataset404' not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_dataset_path_is_named_once(tmp_path):
    missing = tmp_path / "Dataset404"
    result = _run(str(missing), "--raw", str(tmp_path / "raw"))
    assert result.returncode == 2
    assert f"not found: {missing} is not a folder. Give a dataset folder path" in result.stderr
    assert "neither" not in result.stderr


def test_dataset_name_under_thigh_raw(raw_dataset):
    result = _run(
        raw_dataset.name,
        env={"THIGH_RAW": str(raw_dataset.parent)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert str(raw_dataset) in result.stdout


def test_raw_flag_overrides_environment(raw_dataset, tmp_path):
    result = _run(
        raw_dataset.name, "--raw", str(raw_dataset.parent), env={"THIGH_RAW": str(tmp_path / "elsewhere")}
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("workers", "message"),
    [("0", "argument --workers: must be at least 1, got 0"), ("two", "expected a whole number, got 'two'")],
)
def test_bad_workers_is_a_usage_error(raw_dataset, workers, message):
    result = _run(str(raw_dataset), "--workers", workers)
    assert result.returncode == 2
    assert "usage: thigh_validate" in result.stderr and message in result.stderr


def test_console_script_is_installed(raw_dataset):
    script = os.path.join(os.path.dirname(sys.executable), "thigh_validate")
    if not os.path.exists(script):
        pytest.skip("console script not installed in this environment")
    result = subprocess.run([script, str(raw_dataset)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
