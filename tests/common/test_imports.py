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


def test_lazy_exports_import_a_name_on_first_use_only():
    code = (
        "import sys, types; from thigh_common.imports import lazy_exports; "
        "get = lazy_exports('json', {'JSONDecoder': 'decoder'}); sys.modules.pop('json.decoder', None); "
        "print(get('JSONDecoder').__name__)\n"
        "try:\n    get('loads')\nexcept AttributeError as error:\n    print(str(error).replace(' ', '_'))"
    )
    assert run(code) == ["JSONDecoder", "module_'json'_has_no_attribute_'loads'"]


def test_packages_import_their_heavy_names_lazily():
    code = (
        "import sys; import thigh_trainer.training as t, dataset_conversion.validation as v; "
        "print('thigh_trainer.training.run' in sys.modules, 'SimpleITK' in sys.modules); "
        "t.train_fold; v.validate_dataset; print('thigh_trainer.training.run' in sys.modules)"
    )
    assert run(code) == ["False", "False", "True"]
