from pathlib import Path

import pytest
from support.phantom_datasets import synthesise


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """Three tiny phantom cases with identity, flipped and permuted direction matrices."""
    folder = tmp_path_factory.mktemp("raw") / "Tiny"
    return synthesise(folder, "-n", "3", "--seed", "11", "--size", "tiny", "--directions", "mixed")


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory) -> Path:
    """Two small phantom cases (flipped direction for the second)."""
    folder = tmp_path_factory.mktemp("raw") / "Small"
    return synthesise(folder, "-n", "2", "--seed", "5", "--size", "small", "--directions", "mixed")
