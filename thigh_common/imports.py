"""Import helpers: a package's names imported on first use, and packages imported with a module kept out.

:func:`lazy_exports` gives a package a module-level ``__getattr__`` (PEP 562) that
imports a public name from its submodule only when it is first used, so that
importing the package (for ``--help``, or for one light name) stays cheap.

OpenVINO and NNCF import their telemetry inside ``try: ... except ImportError``
and run without it when the import fails. A ``None`` entry in ``sys.modules``
makes that import fail, so the package loads and nothing is sent.

Example:
    >>> __getattr__ = lazy_exports(__name__, {"train_fold": "run"})  # in a package's __init__.py
    >>> openvino = import_blocking("openvino", "openvino.tools.ovc")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports each exported name from its submodule on first use.

    Args:
        package: The package's ``__name__``.
        exports: Public name -> submodule of ``package`` that defines it (e.g. ``"run"``).

    Returns:
        The function to assign to the package's ``__getattr__``; other names raise AttributeError.
    """

    def import_on_first_use(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{exports[name]}"), name)

    return import_on_first_use


def import_blocking(name: str, blocked: str) -> ModuleType:
    """Import ``name`` with ``blocked`` made unimportable for the rest of the process.

    Args:
        name: The package to import, e.g. ``"nncf"``.
        blocked: The module it must not load, e.g. ``"openvino_telemetry"``. Left alone when
            ``name`` was imported before (the block would come too late) or ``blocked`` is loaded.

    Returns:
        The imported package.

    Raises:
        ImportError: If ``name`` is not installed.
    """
    if name not in sys.modules:
        sys.modules.setdefault(blocked, None)  # type: ignore[arg-type]
    return importlib.import_module(name)
