import json

import pytest

from thigh_planner.plans import FingerprintSummary, PlansError, build_plans, load_plans, save_plans

SUMMARY = FingerprintSummary(24, (0.8, 0.8, 2.0), {"0.5": -60.0, "99.5": 140.0}, 50.0, 25.0, 420.0)


@pytest.mark.parametrize("preset", ["default", "paper"])
def test_json_round_trip(tmp_path, preset):
    plans = build_plans(SUMMARY, "Dataset001_Thigh", preset=preset)
    path = tmp_path / "plans.json"
    save_plans(plans, path)
    assert load_plans(path) == plans
    assert load_plans(tmp_path) == plans  # a folder holding plans.json
    assert json.loads(path.read_text())["schema_version"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["plans.json"]  # no temporary file left


def test_missing_file(tmp_path):
    with pytest.raises(PlansError, match="no plans file there; run thigh_plan"):
        load_plans(tmp_path / "plans.json")


def test_malformed_json_names_line(tmp_path):
    path = tmp_path / "plans.json"
    path.write_text('{\n  "schema_version": 1,\n  "dataset_name": "x",,\n}\n')
    with pytest.raises(PlansError, match=r"not valid JSON at line 3, column \d+"):
        load_plans(path)


def test_newer_schema_file(tmp_path):
    path = tmp_path / "plans.json"
    path.write_text(json.dumps({"schema_version": 3, "whatever": "future"}))
    with pytest.raises(PlansError, match=r"schema 3 > 1; upgrade thighseg or re-run thigh_plan"):
        load_plans(path)


def test_invalid_field_in_file_names_file_and_path(tmp_path):
    data = build_plans(SUMMARY, "D").to_dict()
    data["configurations"]["2d5"]["training"]["learning_rate"] = -1
    path = tmp_path / "plans.json"
    path.write_text(json.dumps(data))
    with pytest.raises(PlansError) as error:
        load_plans(path)
    assert str(path) in str(error.value)
    assert "configurations.2d5.training.learning_rate: expected a number > 0, found -1" in str(error.value)
