"""The thigh_convert entry point: instant --help, usage errors."""

from __future__ import annotations

import subprocess
import sys

from dataset_conversion.cli import build_parser


def test_help_does_not_import_heavy_modules(synth):
    code = "import sys, dataset_conversion.cli; print(sorted(m for m in ('SimpleITK', 'numpy', 'tqdm') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    for command in ([], ["dicom"], ["nnunet"], ["pairs"]):
        shown = synth.run_cli(*command, "--help")
        assert shown.returncode == 0 and "usage: thigh_convert" in shown.stdout


def test_parser_forms():
    arguments = build_parser().parse_args(
        ["nnunet", "src", "out", "--map", "a=1", "--map", "12=6", "--unmapped", "background", "--overwrite"]
    )
    assert arguments.map == ["a=1", "12=6"] and arguments.unmapped == "background" and arguments.overwrite
    arguments = build_parser().parse_args(["dicom", "in", "out", "--series-uid", "1.2.3", "-v"])
    assert arguments.series_uid == "1.2.3" and arguments.verbose


def test_bad_map_spec_exits_2_without_traceback(tmp_path, synth):
    result = synth.run_cli("pairs", str(tmp_path), str(tmp_path), str(tmp_path / "out"), "--map", "12")
    assert result.returncode == 2
    assert "--map '12': expected SOURCE=TARGET" in result.stderr and "Traceback" not in result.stderr
