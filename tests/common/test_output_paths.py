"""``check_output_folder``: every unusable output path and the one line it gives."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from thigh_common import output_paths
from thigh_common.errors import ThighSegError
from thigh_common.output_paths import check_output_folder

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_non_root = pytest.mark.skipif(AS_ROOT, reason="root may write into a folder of mode 555")


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "scan.nii.gz"
    path.write_bytes(b"not a folder")
    return path


def _below_a_file(tmp_path: Path) -> Path:
    return _file(tmp_path) / "predictions"


def _broken_link(tmp_path: Path) -> Path:
    link = tmp_path / "predictions"
    link.symlink_to(tmp_path / "gone")
    return link


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (_file, "scan.nii.gz: the output folder is an existing file, not a folder; "
                "choose another output folder with -o"),
        (_below_a_file, "predictions: the output folder cannot be created because {tmp}/scan.nii.gz is an "
                        "existing file, not a folder; choose another output folder with -o"),
        (_broken_link, "predictions: the output folder is a broken symbolic link, not a folder; "
                       "choose another output folder with -o"),
    ],
)  # fmt: skip
def test_paths_that_are_no_folder_are_refused(
    tmp_path: Path, make: Callable[[Path], Path], expected: str
) -> None:
    with pytest.raises(ThighSegError) as raised:
        check_output_folder(make(tmp_path), "-o")
    assert expected.format(tmp=tmp_path) in str(raised.value)
    assert "\n" not in str(raised.value)


def test_existing_file_given_relative_to_the_working_folder(tmp_path: Path, monkeypatch) -> None:
    _file(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ThighSegError, match=r"^scan\.nii\.gz: the output folder is an existing file"):
        check_output_folder("scan.nii.gz", "-o")


def test_symbolic_link_to_a_file_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "out"
    link.symlink_to(_file(tmp_path))
    with pytest.raises(ThighSegError, match="out: the output folder is an existing file, not a folder"):
        check_output_folder(link, "-o")


def test_the_message_names_the_variable_too(tmp_path: Path) -> None:
    with pytest.raises(
        ThighSegError, match=r"choose another output folder with --results \(or THIGH_RESULTS\)$"
    ):
        check_output_folder(_file(tmp_path), "--results", "THIGH_RESULTS")


@pytest.mark.parametrize(
    "make",
    [
        lambda tmp: tmp,  # an existing folder
        lambda tmp: tmp / "new",  # a new folder
        lambda tmp: tmp / "new" / "deeper" / "still",  # several new levels
    ],
    ids=["existing", "new", "nested-new"],
)
def test_usable_folders_pass_and_nothing_is_left_behind(tmp_path: Path, make) -> None:
    folder = make(tmp_path)
    assert check_output_folder(folder, "-o") == folder
    assert list(tmp_path.iterdir()) == []


def test_symbolic_link_to_a_folder_and_relative_paths_pass(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert check_output_folder(tmp_path / "link", "-o") == tmp_path / "link"
    monkeypatch.chdir(tmp_path / "link")
    assert check_output_folder(".", "-o") == Path(".")
    assert check_output_folder("sub/new", "-o") == Path("sub/new")
    assert list((tmp_path / "real").iterdir()) == []


def _refuse_writes(monkeypatch) -> None:
    """Make the write probe fail as it does in a folder this user may not write (even as root)."""

    def refused(*arguments, **keywords):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(output_paths.tempfile, "mkstemp", refused)


def test_a_failing_write_probe_refuses_an_existing_folder(tmp_path: Path, monkeypatch) -> None:
    _refuse_writes(monkeypatch)
    with pytest.raises(ThighSegError) as raised:
        check_output_folder(tmp_path, "--preprocessed", "THIGH_PREPROCESSED")
    assert str(raised.value) == (
        f"{tmp_path}: the output folder cannot be written (Permission denied); make it writable or "
        "choose another output folder with --preprocessed (or THIGH_PREPROCESSED)"
    )


def test_a_failing_write_probe_refuses_a_new_folder(tmp_path: Path, monkeypatch) -> None:
    _refuse_writes(monkeypatch)
    with pytest.raises(ThighSegError) as raised:
        check_output_folder(tmp_path / "a" / "b", "-o")
    assert str(raised.value) == (
        f"{tmp_path / 'a' / 'b'}: the output folder cannot be created because {tmp_path} cannot be "
        "written (Permission denied); choose another output folder with -o"
    )


@pytest.fixture
def read_only(tmp_path: Path):
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


@needs_non_root
def test_a_folder_without_write_permission_is_refused(read_only: Path) -> None:
    with pytest.raises(ThighSegError, match="read_only: the output folder cannot be written"):
        check_output_folder(read_only, "-o")


@needs_non_root
def test_a_new_folder_in_a_parent_without_write_permission_is_refused(read_only: Path) -> None:
    with pytest.raises(
        ThighSegError,
        match=re.escape(f"new: the output folder cannot be created because {read_only} cannot be written"),
    ):
        check_output_folder(read_only / "new", "-o")
