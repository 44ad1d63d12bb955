"""Importing a third-party package with one of its optional submodules or dependencies kept out.

OpenVINO and NNCF import their telemetry inside ``try: ... except ImportError``
and run without it when the import fails. A ``None`` entry in ``sys.modules``
makes that import fail, so the package loads and nothing is sent.

Example:
    >>> openvino = import_blocking("openvino", "openvino.tools.ovc")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


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
