import json

import pytest

from thigh_common.atomic import atomic_path, write_json_atomic
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


def test_written_file_gets_ordinary_permissions(tmp_path):
    import os

    write_json_atomic({}, tmp_path / "p.json")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "p.json").stat().st_mode & 0o777 == 0o666 & ~mask
