"""Every command takes the shared flags that apply to it, each with the one meaning of ``thigh_common.cli``.

A command's flag counts as shared when it is built by the shared layer: the same
value check (argparse ``type``), the same default and the same help (a command may
add a note after the shared help). The installed console scripts are checked once,
in subprocesses, to start and show their usage.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from dataset_conversion.cli import build_parser as convert_parser
from dataset_conversion.phantom.cli import build_parser as synth_parser
from dataset_conversion.validation.cli import build_parser as validate_parser
from thigh_common.cli import common_flags, default_workers
from thigh_common.cli.folder_flags import FOLDER_FLAGS
from thigh_common.model_files.cli import build_export_parser as export_parser
from thigh_common.model_files.cli import build_install_parser as install_parser
from thigh_evaluation.cli import build_parser as evaluate_parser
from thigh_evaluation.comparison.cli import build_parser as compare_parser
from thigh_evaluation.experiment.cli import build_parser as experiment_parser
from thigh_evaluation.report.cli import build_parser as report_parser
from thigh_inference.cli import build_parser as predict_parser
from thigh_inference.cohort_merge_cli import build_parser as merge_parser
from thigh_inference.followup.cli import build_parser as followup_parser
from thigh_planner.cli import build_parser as plan_parser
from thigh_trainer.cli import build_parser as train_parser

SHARED = ("-v", "--device", "--precision", "--workers", "--raw", "--preprocessed", "--results", "-c")

COMMANDS: dict[str, tuple[Callable[[], argparse.ArgumentParser], set[str]]] = {
    "thigh_synth": (synth_parser, {"-v"}),
    "thigh_validate": (validate_parser, {"-v", "--workers", "--raw"}),
    "thigh_plan": (plan_parser, {"-v", "--workers", "--raw", "--preprocessed"}),
    "thigh_train": (
        train_parser,
        {"-v", "--device", "--precision", "--workers", "--preprocessed", "--results", "-c"},
    ),
    "thigh_predict": (predict_parser, {"-v", "--device", "--precision", "--results", "-c"}),
    "thigh_evaluate": (evaluate_parser, {"-v", "--workers", "--results", "-c"}),
    "thigh_compare": (compare_parser, {"-v"}),
    "thigh_report": (report_parser, {"-v"}),
    "thigh_experiment": (experiment_parser, {"-v", "--device", "--precision", "--workers", "--raw"}),
    "thigh_followup": (followup_parser, {"-v", "--device", "--precision"}),
    "thigh_merge": (merge_parser, {"-v"}),
    "thigh_export": (export_parser, {"-v"}),
    "thigh_install": (install_parser, {"-v"}),
}


def _parsers(name: str) -> list[argparse.ArgumentParser]:
    """The command's parser, or for ``thigh_convert`` the parser of each subcommand."""
    if name == "thigh_convert":
        parser = convert_parser()
        subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return list(subparsers.choices.values())
    return [COMMANDS[name][0]()]


def _shared_actions(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """The parser's shared flags; ``-c`` counts only as ``-c/--configuration`` (one configuration)."""
    return {
        flag: action
        for action in parser._actions
        for flag in action.option_strings
        if flag in SHARED and (flag != "-c" or "--configuration" in action.option_strings)
    }


@pytest.mark.parametrize("name", [*COMMANDS, "thigh_convert"])
def test_command_takes_its_shared_flags(name: str) -> None:
    expected = COMMANDS[name][1] if name in COMMANDS else {"-v"}
    for parser in _parsers(name):
        assert set(_shared_actions(parser)) == expected


@pytest.mark.parametrize("name", [*COMMANDS, "thigh_convert"])
def test_shared_flags_have_one_meaning(name: str) -> None:
    for parser in _parsers(name):
        for flag, action in _shared_actions(parser).items():
            if flag == "-v":
                assert action.option_strings == ["-v", "--verbose"] and action.help == "debug logging"
            elif flag == "--device":
                assert action.type is common_flags.device_name and action.default == "auto"
                assert action.help == common_flags.DEVICE_HELP
            elif flag == "--precision":
                assert action.type is common_flags.precision_name and action.default == "auto"
                assert action.help.startswith(common_flags.PRECISION_HELP)
            elif flag == "--workers":
                assert action.type.__qualname__ == "count_of_at_least.<locals>.parse"
                assert action.default == default_workers()
                assert f"(default: min(4, CPUs), here {default_workers()}" in action.help
            elif flag == "-c":
                assert action.option_strings == ["-c", "--configuration"]
                assert action.help.startswith(common_flags.CONFIGURATION_HELP)
            else:
                folder = FOLDER_FLAGS[action.dest]
                assert flag == folder.flag and action.help == folder.help and action.type is Path


@pytest.mark.parametrize("name", [*COMMANDS, "thigh_convert"])
def test_installed_entry_point_starts(name: str) -> None:
    script = Path(sys.executable).parent / name
    if not script.exists():
        pytest.skip(f"console script {name} is not installed beside {sys.executable}")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: {name}")
    assert "common_flags.md" in done.stdout
