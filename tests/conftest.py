"""Fixtures for the whole test suite."""

import locale

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
