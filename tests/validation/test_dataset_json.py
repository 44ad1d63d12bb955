import json

import pytest

from dataset_conversion.validation import validate_dataset


def _edit(folder, **changes):
    path = folder / "dataset.json"
    content = json.loads(path.read_text())
    for key, value in changes.items():
        if value is None:
            content.pop(key, None)
        else:
            content[key] = value
    path.write_text(json.dumps(content))


def _labels(**changes):
    from thigh_common.labels import dataset_json_labels

    labels = dataset_json_labels()
    for name, value in changes.items():
        if value is None:
            del labels[name]
        else:
            labels[name] = value
    return labels


CASES = [
    ("missing", lambda f: (f / "dataset.json").unlink(), ["dataset.json", "presence", "no such file"]),
    ("not json", lambda f: (f / "dataset.json").write_text("{labels: 1"), ["parse", "expected valid JSON"]),
    (
        "a list",
        lambda f: (f / "dataset.json").write_text("[1, 2]"),
        ["expected a JSON object", "found a JSON list"],
    ),
    (
        "two channels",
        lambda f: _edit(f, channel_names={"0": "CT", "1": "PET"}),
        ['expected exactly one channel {"0": "CT"}', "found 2 channels"],
    ),
    ("MR channel", lambda f: _edit(f, channel_names={"0": "MR"}), ['found {"0": "MR"}']),
    ("no channel_names", lambda f: _edit(f, channel_names=None), ["channel_names", "found no entry"]),
    (
        "missing label",
        lambda f: _edit(f, labels=_labels(gracilis=None)),
        ["expected gracilis=7", "missing entries"],
    ),
    ("extra label", lambda f: _edit(f, labels=_labels(femur=11)), ["found extra entries femur=11"]),
    (
        "wrong value",
        lambda f: _edit(f, labels=_labels(sartorius=12)),
        ["labels", "expected sartorius=1", "found sartorius=12"],
    ),
    ("no labels", lambda f: _edit(f, labels=None), ["labels", "found no entry"]),
    (
        "numTraining",
        lambda f: _edit(f, numTraining=5),
        ["numTraining", "expected 3 (the number of cases", "found 5"],
    ),
    (
        "numTraining type",
        lambda f: _edit(f, numTraining="3"),
        ["numTraining", "expected an integer", "found '3'"],
    ),
    ("no numTraining", lambda f: _edit(f, numTraining=None), ["numTraining", "found no entry"]),
    (
        "no file_ending",
        lambda f: _edit(f, file_ending=None),
        ["file_ending", "expected one of .nii.gz", "found no entry"],
    ),
    ("bad file_ending", lambda f: _edit(f, file_ending=".png"), ["file_ending", "found '.png'"]),
]


@pytest.mark.parametrize(("breakage", "texts"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_dataset_json_problem_is_listed(raw_dataset, expect_problem, breakage, texts):
    breakage(raw_dataset)
    report = validate_dataset(raw_dataset)
    assert not report.ok
    expect_problem(report, "dataset", "dataset.json", *texts)
    assert all(problem.group == "dataset" for problem in report.problems), report.format()


def test_channel_name_is_case_insensitive(raw_dataset):
    _edit(raw_dataset, channel_names={"0": "ct"})
    assert validate_dataset(raw_dataset).ok


def test_cases_are_still_checked_without_dataset_json(raw_dataset, expect_problem, synth):
    (raw_dataset / "dataset.json").unlink()
    synth.write_image(synth.to_image(synth.label_array() * 2), raw_dataset / "labelsTr" / "case_001.nii.gz")
    report = validate_dataset(raw_dataset)
    expect_problem(report, "dataset", "no such file")
    expect_problem(report, "case_001", "label values", "found values 12, 14, 16, 18, 20")
