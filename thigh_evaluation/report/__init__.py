"""The report folder of a trained model and its evaluation (``thigh_report``).

See ``documentation/thigh_report.md``. ``build_report`` is loaded on first use, so that
``thigh_report --help`` imports neither pandas nor matplotlib.
"""

from __future__ import annotations

from thigh_common.imports import lazy_exports

_EXPORTS: dict[str, str] = {"build_report": "build", "DEMO_NOTE": "page"}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
