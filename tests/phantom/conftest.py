import pytest

from dataset_conversion.phantom.case import generate_case


@pytest.fixture(scope="session")
def tiny_cases():
    """A few tiny cases (seed, index) with their clean arrays and bone masks."""
    return [
        generate_case(seed, index, "tiny", keep_arrays=True)
        for seed, index in [(0, 0), (1, 1), (2, 5), (3, 2)]
    ]


@pytest.fixture(scope="session")
def small_case():
    return generate_case(7, 0, "small", keep_arrays=True)
