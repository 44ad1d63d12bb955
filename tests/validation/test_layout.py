import shutil

import pytest

from dataset_conversion.validation import validate_dataset


def _rename(folder, old, new):
    (folder / old).rename(folder / new)


CASES = [
    (
        "image without _0000",
        lambda f: _rename(f, "imagesTr/case_001_0000.nii.gz", "imagesTr/case_001.nii.gz"),
        "case_001",
        ["imagesTr/case_001.nii.gz", "file name", "expected CASE_0000.nii.gz, i.e. case_001_0000.nii.gz"],
    ),
    (
        "other channel index",
        lambda f: _rename(f, "imagesTr/case_001_0000.nii.gz", "imagesTr/case_001_0001.nii.gz"),
        "case_001",
        ["channel index", "expected _0000", "case_001_0000.nii.gz", "found _0001"],
    ),
    (
        "image without label",
        lambda f: (f / "labelsTr/case_002.nii.gz").unlink(),
        "case_002",
        ["imagesTr/case_002_0000.nii.gz", "pairing", "expected a label labelsTr/case_002.nii.gz"],
    ),
    (
        "label without image",
        lambda f: (f / "imagesTr/case_002_0000.nii.gz").unlink(),
        "case_002",
        [
            "labelsTr/case_002.nii.gz",
            "expected an image imagesTr/case_002_0000.nii.gz",
            "no image for this label",
        ],
    ),
    (
        "other file ending",
        lambda f: (f / "imagesTr/notes.txt").write_text("x"),
        "notes",
        ["imagesTr/notes.txt", "file ending", "expected .nii.gz", "found .txt"],
    ),
    (
        "image in another format",
        lambda f: _rename(f, "labelsTr/case_000.nii.gz", "labelsTr/case_000.nrrd"),
        "case_000",
        ["labelsTr/case_000.nrrd", "file ending", "found .nrrd"],
    ),
    (
        "a folder in imagesTr",
        lambda f: (f / "imagesTr/case_009").mkdir(),
        "case_009",
        ["imagesTr/case_009", "found a folder"],
    ),
    (
        "missing labelsTr",
        lambda f: shutil.rmtree(f / "labelsTr"),
        "dataset",
        ["labelsTr", "expected a folder labelsTr/", "found no such folder"],
    ),
    (
        "missing imagesTr",
        lambda f: shutil.rmtree(f / "imagesTr"),
        "dataset",
        ["imagesTr", "expected a folder imagesTr/", "found no such folder"],
    ),
    (
        "empty imagesTr",
        lambda f: [path.unlink() for path in (f / "imagesTr").iterdir()],
        "dataset",
        ["imagesTr", "expected at least one training image", "found an empty folder"],
    ),
    (
        "misnamed test image",
        lambda f: _rename(f, "imagesTs/test_000_0000.nii.gz", "imagesTs/test_000.nii.gz"),
        "test_000",
        ["imagesTs/test_000.nii.gz", "file name", "test_000_0000.nii.gz"],
    ),
    (
        "unreadable test image",
        lambda f: (f / "imagesTs/test_000_0000.nii.gz").write_bytes(b"not an image"),
        "test_000",
        ["imagesTs/test_000_0000.nii.gz", "readable", "cannot be read"],
    ),
]


@pytest.mark.parametrize(("breakage", "case", "texts"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_layout_problem_is_listed(raw_dataset, expect_problem, breakage, case, texts):
    breakage(raw_dataset)
    report = validate_dataset(raw_dataset)
    assert not report.ok
    expect_problem(report, case, *texts)


def test_missing_labels_folder_is_one_problem_not_one_per_case(raw_dataset):
    shutil.rmtree(raw_dataset / "labelsTr")
    report = validate_dataset(raw_dataset)
    assert [problem.file for problem in report.problems] == ["labelsTr"]


def test_hidden_files_are_ignored(raw_dataset):
    (raw_dataset / "imagesTr" / ".DS_Store").write_text("x")
    (raw_dataset / "labelsTr" / "._case_000.nii.gz").write_text("x")
    assert validate_dataset(raw_dataset).ok


def test_other_file_ending_dataset_is_valid(tmp_path, make_raw_dataset):
    folder = make_raw_dataset(tmp_path, n_cases=2, file_ending=".nrrd")
    report = validate_dataset(folder)
    assert report.ok, report.format()
    assert report.file_ending == ".nrrd"


def test_files_are_checked_against_inferred_ending_when_file_ending_is_missing(raw_dataset, expect_problem):
    import json

    content = json.loads((raw_dataset / "dataset.json").read_text())
    del content["file_ending"]
    (raw_dataset / "dataset.json").write_text(json.dumps(content))
    _rename(raw_dataset, "labelsTr/case_000.nii.gz", "labelsTr/case_000.nii")
    report = validate_dataset(raw_dataset)
    expect_problem(report, "case_000", "labelsTr/case_000.nii", "found .nii")
    assert report.file_ending == ".nii.gz"
