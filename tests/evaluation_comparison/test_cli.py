"""``thigh_compare``: the installed script end to end, and every user error as one line with exit status 2."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from thigh_evaluation.comparison.cli import main

SCRIPT = Path(sys.executable).with_name("thigh_compare")


def thigh_compare(*arguments: str) -> subprocess.CompletedProcess:
    command = str(SCRIPT) if SCRIPT.exists() else shutil.which("thigh_compare")
    assert command, "thigh_compare is not installed: pip install -e ."
    return subprocess.run([command, *arguments], capture_output=True, text=True, timeout=120)


def test_the_installed_script_writes_every_output(evaluations, tmp_path):
    out = tmp_path / "comparison"
    done = thigh_compare(*(f"{name}={folder}" for name, folder in evaluations.items()), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "compared 2d, 2d5, 3d against 2d5:" in done.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "comparison.csv",
        "comparison.md",
        "comparison.png",
        "ttests.csv",
    ]
    assert "3d has 0 observation(s)" in done.stderr and "WARNING" in done.stderr
    tests = pd.read_csv(out / "ttests.csv")
    assert len(tests) == 60


def test_help_imports_neither_pandas_nor_scipy_nor_matplotlib():
    code = (
        "import sys; from thigh_evaluation.comparison.cli import build_parser; build_parser().format_help(); "
        "print([name for name in ('pandas', 'scipy', 'matplotlib') if name in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]"]


def test_the_installed_script_reports_an_error_in_one_line(tmp_path):
    done = thigh_compare("2d=" + str(tmp_path / "nowhere"), "2d5=" + str(tmp_path), "-o", str(tmp_path / "o"))
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and "evaluation folder of 2d not found" in errors[0]
    assert "Traceback" not in done.stderr


def _folders(tmp_path, frames, writer, change=None, name="2d"):
    """2d5 as generated, and ``name`` after ``change`` (a function of a frame) if any."""
    reference = writer(tmp_path / "2d5", frames["2d5"])
    other = frames["2d"].copy()
    if change is not None:
        other = change(other)
    return [f"2d5={reference}", f"{name}={writer(tmp_path / name, other)}"]


def _write_text(tmp_path, text):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "metrics.csv").write_text(text)
    return folder


ERRORS = [
    ("not NAME=DIR", lambda t, f, w: ["evals/2d", "2d5=x"], "expected NAME=EVAL_DIR (e.g. 2d5=evals/2d5"),
    ("duplicate names", lambda t, f, w: ["2d=a", "2d=b"], "configuration name '2d' given twice (a and b)"),
    (
        "one configuration",
        lambda t, f, w: _folders(t, f, w)[:1],
        "a comparison needs at least two configurations (NAME=EVAL_DIR), got 1: 2d5",
    ),
    (
        "missing folder",
        lambda t, f, w: [_folders(t, f, w)[0], f"2d={t / 'missing'}"],
        "evaluation folder of 2d not found: ",
    ),
    (
        "no metrics.csv",
        lambda t, f, w: [_folders(t, f, w)[0], f"2d={t}"],
        "has no metrics.csv: expected the output folder of thigh_evaluate (evaluation folder of 2d)",
    ),
    (
        "missing columns",
        lambda t, f, w: _folders(t, f, w, lambda x: x.drop(columns=["dice", "leg"])),
        "metrics.csv lacks the column(s) leg, dice: expected at least case, leg, kind, structure, dice, asd_mm",
    ),
    (
        "no observations in common",
        lambda t, f, w: _folders(t, f, w, lambda x: x.assign(case=x["case"].str.upper())),
        "no observations (case, leg, structure) in common between 2d5 and 2d: 2d5 has cases case_00, case_01, "
        "case_02, case_03, ... (5 in all), 2d has cases CASE_00",
    ),
    (
        "unknown reference",
        lambda t, f, w: [*_folders(t, f, w), "--reference", "4d"],
        "reference '4d' is not among the compared configurations: 2d5, 2d",
    ),
    (
        "non-numeric metric",
        lambda t, f, w: _folders(
            t, f, w, lambda x: x.assign(dice=x["dice"].astype(object).where(x.index > 0, "abc"))
        ),
        "column dice has 1 non-numeric value(s), e.g. 'abc'",
    ),
    (
        "repeated rows",
        lambda t, f, w: _folders(t, f, w, lambda x: pd.concat([x, x.iloc[:2]])),
        "2 case, leg and structure combination(s) appear more than once, e.g. case case_00, left leg, "
        "class sartorius: each must appear once",
    ),
    (
        "output is a file",
        lambda t, f, w: [*_folders(t, f, w), "-o", str(_write_text(t, "x") / "metrics.csv")],
        "metrics.csv is a file: give a folder for the comparison",
    ),
    ("empty file", lambda t, f, w: ["2d5=" + str(_write_text(t, "")), "2d=x"], "metrics.csv is empty"),
    (
        "header only",
        lambda t, f, w: ["2d5=" + str(_write_text(t, "case,leg,kind,structure,dice,asd_mm\n")), "2d=x"],
        "metrics.csv has no rows of kind class or group",
    ),
]


@pytest.mark.parametrize(
    ("setup", "message"), [case[1:] for case in ERRORS], ids=[case[0] for case in ERRORS]
)
def test_user_errors_exit_2_with_one_line(setup, message, frames, writer, tmp_path, caplog):
    arguments = setup(tmp_path, frames, writer)
    with caplog.at_level(logging.INFO):
        code = main(["-o", str(tmp_path / "out"), *arguments])  # a case may name its own -o
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert code == 2
    assert len(errors) == 1
    assert message in errors[0].getMessage()
    assert not (tmp_path / "out").exists()
