import json

import pytest

from thigh_common.atomic import atomic_path, remove_stale_temporaries, write_json_atomic
from thigh_common.errors import InvalidInputError
from thigh_common.paths import resolve_raw_dataset, working_folder


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("crash")
    assert list(tmp_path.iterdir()) == []


def test_json_written_whole(tmp_path):
    write_json_atomic({"b": [1, 2]}, tmp_path / "sub" / "x.json")
    assert json.loads((tmp_path / "sub" / "x.json").read_text()) == {"b": [1, 2]}


def test_working_folder_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("THIGH_RESULTS", str(tmp_path / "env"))
    assert working_folder("THIGH_RESULTS") == tmp_path / "env"
    assert working_folder("THIGH_RESULTS", tmp_path / "flag") == tmp_path / "flag"
    monkeypatch.delenv("THIGH_RESULTS")
    assert working_folder("THIGH_RESULTS").name == "results"


def test_dataset_by_name_under_raw(tmp_path, monkeypatch):
    (tmp_path / "Dataset001").mkdir()
    monkeypatch.setenv("THIGH_RAW", str(tmp_path))
    monkeypatch.chdir(tmp_path.parent)
    assert resolve_raw_dataset("Dataset001") == tmp_path / "Dataset001"


def test_unknown_dataset_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("THIGH_RAW", str(tmp_path))
    with pytest.raises(InvalidInputError, match="neither .* nor .* is a folder"):
        resolve_raw_dataset("NoSuchDataset")


def test_missing_dataset_path_is_named_once(tmp_path, monkeypatch):
    monkeypatch.setenv("THIGH_RAW", str(tmp_path / "raw"))
    missing = tmp_path / "NoSuchDataset"
    with pytest.raises(InvalidInputError) as caught:
        resolve_raw_dataset(str(missing))
    message = str(caught.value)
    assert message.startswith(f"dataset {str(missing)!r} not found: {missing} is not a folder. ")
    assert message.count(str(missing)) == 2  # the argument as given, then the place looked at
    assert "neither" not in message


def test_name_relative_to_the_current_folder_under_raw_is_named_once(tmp_path, monkeypatch):
    monkeypatch.setenv("THIGH_RAW", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidInputError) as caught:
        resolve_raw_dataset("NoSuchDataset")
    assert f"not found: {tmp_path / 'NoSuchDataset'} is not a folder. " in str(caught.value)


def test_written_file_gets_ordinary_permissions(tmp_path):
    import os

    write_json_atomic({}, tmp_path / "p.json")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "p.json").stat().st_mode & 0o777 == 0o666 & ~mask


def test_stale_temporaries_of_killed_writers_are_removed(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    script = (
        "import sys\nfrom thigh_common.atomic import atomic_path\n"
        "with atomic_path(sys.argv[1]) as temporary:\n"
        "    temporary.write_text('half')\n    print('writing', flush=True)\n    sys.stdin.read()\n"
    )
    for name in ("case_1.nii.gz", "case_10.nii.gz", "progress.csv"):
        writer = subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path / name)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert writer.stdout.readline() == "writing\n"
        os.kill(writer.pid, signal.SIGKILL)
        writer.communicate()
    (tmp_path / "case_1.nii.gz").write_text("finished")
    leftovers = sorted(path.name for path in tmp_path.iterdir() if path.name.startswith("."))
    assert len(leftovers) == 3 and all(".part." in name for name in leftovers)
    assert [p.name for p in remove_stale_temporaries(tmp_path, ["case_1.nii.gz"])] == [leftovers[0]]
    assert len(remove_stale_temporaries(tmp_path)) == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == ["case_1.nii.gz"]
