"""Fixtures of the report tests: fake inputs (see ``fake_inputs``) and a report built from them once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from evaluation_report.fake_inputs import FakeInputs, write_inputs


@pytest.fixture
def make_inputs(tmp_path: Path) -> Callable[..., FakeInputs]:
    """Write fresh fake inputs under ``tmp_path / name``."""

    def make(name: str = "inputs", epochs: int = 4) -> FakeInputs:
        return write_inputs(tmp_path / name, epochs)

    return make


@pytest.fixture(scope="module")
def built_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[FakeInputs, Path]:
    """Fake inputs and the report built from them once per test module."""
    from thigh_evaluation.report import build_report

    root = tmp_path_factory.mktemp("report")
    inputs = write_inputs(root)
    output = root / "out" / "report"
    build_report(inputs.predictions, inputs.evaluation, inputs.model_fold, output)
    return inputs, output
