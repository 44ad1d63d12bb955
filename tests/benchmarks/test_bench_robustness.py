"""The pure parts of ``benchmarks/bench_robustness.py``: geometry of the detection check, the log parser, the table."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_robustness.py"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(SCRIPT.parent))  # the scripts import bench_commands from their folder
    spec = importlib.util.spec_from_file_location("bench_robustness", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_robustness"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_distance_to_the_axis_line(bench):
    head, knee = np.array([0.0, 0.0, 100.0]), np.array([0.0, 0.0, -300.0])
    assert bench.distance_to_axis(np.array([3.0, 4.0, -50.0]), head, knee) == pytest.approx(5.0)
    assert bench.distance_to_axis(np.array([0.0, 0.0, 500.0]), head, knee) == pytest.approx(0.0)


def test_a_leg_is_found_only_near_the_clean_scans_axis(bench):
    tolerances = bench.Tolerances(axis_mm=30.0, shift_mm=10.0, angle_deg=5.0)
    clean = bench.LegCheck("left", True, 20.0, center_mm=[0.0, 0.0, 0.0], axis=[0.0, 0.0, 1.0])
    along = bench.LegCheck("left", True, 20.0, center_mm=[0.0, 3.0, -80.0], axis=[0.0, 0.0, 1.0])
    bench.compare_with_clean(along, clean, tolerances)
    assert along.found and along.shift_mm == pytest.approx(3.0) and along.angle_deg == pytest.approx(0.0)
    tilted = bench.LegCheck("left", True, 20.0, center_mm=[0.0, 0.0, 0.0], axis=[0.0, 0.174, 0.985])
    bench.compare_with_clean(tilted, clean, tolerances)
    assert not tilted.found and tilted.angle_deg == pytest.approx(10.0, abs=0.1)
    beside = bench.LegCheck("left", True, 20.0, center_mm=[12.0, 0.0, 0.0], axis=[0.0, 0.0, 1.0])
    bench.compare_with_clean(beside, clean, tolerances)
    assert not beside.found


def test_failures_are_read_from_the_predict_log(bench, tmp_path):
    log = tmp_path / "log.txt"
    log.write_text(
        "03:00:01 INFO thigh_inference.predict_run: case_a: done in 3.0 s\n"
        "03:00:02 ERROR thigh_inference.failures: case_b: failed: no thigh found in z -400..0 mm\n",
        encoding="utf-8",
    )
    assert bench.read_failures(log) == {"case_b": "no thigh found in z -400..0 mm"}


def test_the_table_gives_the_change_against_clean(bench):
    rows = [
        {"condition": "clean", "cases": 2, "legs_found": 4, "legs": 4, "false_thighs": 0, "segmented": 2,
         "dice": 0.9, "asd_mm": 1.2, "refusals": []},
        {"condition": "metal", "cases": 2, "legs_found": 3, "legs": 4, "false_thighs": 0, "segmented": 1,
         "dice": 0.8, "asd_mm": 3.0, "refusals": ["refused: left femur not found"]},
    ]  # fmt: skip
    table = bench.markdown_table(rows)
    assert "| metal | 2 | 3/4 | 0 | 1/2 | 0.800 | -0.100 | 3.00 | refused: left femur not found |" in table
