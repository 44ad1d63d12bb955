"""Fixtures for the whole test suite."""

import locale
import os

import pytest


@pytest.fixture(autouse=True)
def restore_locale():
    """Put the C locale back after each test.

    Writing DICOM files with SimpleITK (GDCM) switches the process's LC_CTYPE to "C", after which
    ``subprocess.run(..., text=True)`` decodes child output as ASCII and fails on tqdm's bars.
    """
    saved = locale.setlocale(locale.LC_ALL)
    yield
    locale.setlocale(locale.LC_ALL, saved)


@pytest.fixture(autouse=True, scope="session")
def private_network_cache(tmp_path_factory):
    """Keep the networks OpenVINO converts in a folder of the test session, not in ~/.cache."""
    saved = os.environ.get("THIGH_CACHE")
    os.environ["THIGH_CACHE"] = str(tmp_path_factory.mktemp("thighseg-cache"))
    yield
    if saved is None:
        os.environ.pop("THIGH_CACHE", None)
    else:
        os.environ["THIGH_CACHE"] = saved
