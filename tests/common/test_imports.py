"""import_blocking: the blocked module stays out; a package imported before is left alone."""

import subprocess
import sys


def run(code: str) -> list[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()


def test_the_blocked_module_cannot_be_imported_after():
    code = (
        "import sys; from thigh_common.imports import import_blocking; m = import_blocking('json', 'decimal'); "
        "print(m.__name__); import importlib\n"
        "try:\n    importlib.import_module('decimal'); print('imported')\n"
        "except ImportError:\n    print('blocked')"
    )
    assert run(code) == ["json", "blocked"]


def test_a_package_imported_before_is_returned_without_blocking():
    code = (
        "import json, sys; from thigh_common.imports import import_blocking; import_blocking('json', 'decimal'); "
        "print('decimal' in sys.modules and sys.modules['decimal'] is None)"
    )
    assert run(code) == ["False"]
