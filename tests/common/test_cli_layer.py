"""The shared command-line layer: each flag's values and errors, folder flags, deprecated spellings, options."""

from __future__ import annotations

import argparse
import dataclasses
import logging
from pathlib import Path

import pytest

from thigh_common.cli import (
    add_configuration,
    add_deprecated_flag,
    add_device,
    add_folder_flags,
    add_precision,
    add_verbose,
    add_workers,
    check_output_under,
    default_workers,
    options_from_arguments,
    parse_arguments,
    working_folder_of,
)
from thigh_common.errors import ThighSegError


def parser_with(*adders, **keywords) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="demo")
    for adder in adders:
        adder(parser, **keywords)
    return parser


def usage_error(parser: argparse.ArgumentParser, argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as stopped:
        parser.parse_args(argv)
    assert stopped.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("given", "parsed"), [("auto", "auto"), ("CPU", "cpu"), (" cuda ", "cuda"), ("cuda:3", "cuda:3")]
)
def test_device_names(given: str, parsed: str) -> None:
    assert parser_with(add_device).parse_args(["--device", given]).device == parsed
    assert parser_with(add_device).parse_args([]).device == "auto"


@pytest.mark.parametrize("given", ["tpu", "cuda:", "cuda:x", "gpu0", "cpu:0"])
def test_unknown_device_is_a_usage_error(given: str, capsys) -> None:
    error = usage_error(parser_with(add_device), ["--device", given], capsys)
    assert f"argument --device: unknown device '{given}'; use cpu, cuda, cuda:N or auto" in error


def test_precision_values_and_error(capsys) -> None:
    parser = parser_with(add_precision)
    assert [parser.parse_args(["--precision", name]).precision for name in ("FP32", "bf16", "fp16")] == [
        "fp32",
        "bf16",
        "fp16",
    ]
    assert parser.parse_args([]).precision == "auto"
    error = usage_error(parser, ["--precision", "int8"], capsys)
    assert "argument --precision: unknown precision 'int8'; use auto, fp32, bf16, fp16" in error


@pytest.mark.parametrize(
    ("minimum", "given", "message"),
    [
        (1, "0", "argument --workers: must be at least 1, got 0"),
        (0, "-1", "argument --workers: must be at least 0, got -1"),
        (1, "2.5", "argument --workers: expected a whole number, got '2.5'"),
    ],
)
def test_bad_workers(minimum: int, given: str, message: str, capsys) -> None:
    assert message in usage_error(parser_with(add_workers, minimum=minimum), ["--workers", given], capsys)


def test_workers_default_and_zero() -> None:
    assert parser_with(add_workers).parse_args([]).workers == default_workers() == min(4, default_workers())
    assert parser_with(add_workers, minimum=0).parse_args(["--workers", "0"]).workers == 0


def test_verbose_and_configuration() -> None:
    parser = parser_with(add_verbose)
    add_configuration(parser)
    assert vars(parser.parse_args([])) == {"verbose": False, "configuration": "2d5"}
    assert vars(parser.parse_args(["-v", "-c", "3d"])) == {"verbose": True, "configuration": "3d"}
    noted = argparse.ArgumentParser()
    add_configuration(noted, default=None, dest="chosen", note="with --cv")
    assert noted.parse_args([]).chosen is None
    assert "or 3d; with --cv" in " ".join(noted.format_help().split())


def test_folder_flags_override_the_environment(monkeypatch, tmp_path: Path) -> None:
    parser = parser_with()
    add_folder_flags(parser, "raw", "preprocessed", "results")
    monkeypatch.setenv("THIGH_RESULTS", str(tmp_path / "from_environment"))
    monkeypatch.delenv("THIGH_RAW", raising=False)
    arguments = parser.parse_args(["--preprocessed", str(tmp_path / "flag")])
    assert working_folder_of(arguments, "preprocessed") == tmp_path / "flag"
    assert working_folder_of(arguments, "results") == tmp_path / "from_environment"
    assert working_folder_of(arguments, "raw") == Path.home() / "thighseg_data" / "raw"
    help_text = " ".join(parser.format_help().split())
    assert "$THIGH_RESULTS, else ~/thighseg_data/results" in help_text


def test_an_unwritable_output_names_the_flag_and_the_variable(tmp_path: Path) -> None:
    (tmp_path / "results").write_text("a file")
    with pytest.raises(
        ThighSegError, match=r"choose another output folder with --results \(or THIGH_RESULTS\)"
    ):
        check_output_under(tmp_path / "results" / "Tiny", "results")


def test_deprecated_flag_sets_the_new_value_and_warns(caplog) -> None:
    parser = parser_with(add_verbose, add_precision)
    add_deprecated_flag(parser, "--no-amp", dest="precision", value="fp32", instead="--precision fp32")
    assert "--no-amp" not in parser.format_help()
    caplog.set_level(logging.WARNING)
    with pytest.warns(
        DeprecationWarning, match="--no-amp is deprecated and will be removed in the next release"
    ):
        arguments = parse_arguments(parser, ["--no-amp"])
    assert arguments.precision == "fp32"
    assert (
        "--no-amp is deprecated and will be removed in the next release; use --precision fp32" in caplog.text
    )


def test_no_warning_without_deprecated_flags(recwarn, caplog) -> None:
    parser = parser_with(add_verbose, add_precision)
    add_deprecated_flag(parser, "--amp", dest="precision", value="mixed", instead="--precision bf16")
    assert parse_arguments(parser, ["--precision", "bf16"]).precision == "bf16"
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]
    assert "deprecated" not in caplog.text


@dataclasses.dataclass(frozen=True)
class _Options:
    output: Path
    workers: int = 1
    tags: tuple[str, ...] = ()
    verbose_copy: bool = dataclasses.field(default=False)


def test_options_from_arguments_takes_fields_by_name() -> None:
    arguments = argparse.Namespace(output=Path("out"), workers=3, verbose=True, tags=["a"])
    options = options_from_arguments(_Options, arguments, tags=("a",))
    assert options == _Options(output=Path("out"), workers=3, tags=("a",))
    assert options_from_arguments(_Options, argparse.Namespace(), output=Path("x")) == _Options(Path("x"))


@pytest.mark.parametrize(
    ("arguments", "explicit", "message"),
    [
        (argparse.Namespace(workers=2), {}, "_Options: no argument or explicit value for output"),
        (argparse.Namespace(output="o"), {"colour": "red"}, "_Options has no field"),
    ],
)
def test_options_from_arguments_errors(arguments, explicit, message) -> None:
    with pytest.raises(TypeError, match=message):
        options_from_arguments(_Options, arguments, **explicit)
    with pytest.raises(TypeError, match="is not a dataclass"):
        options_from_arguments(dict, arguments)
