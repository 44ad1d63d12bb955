"""Tiny synthetic raw datasets for the validation tests.

A case is 12 x 16 x 10 voxels (x, y, z): air at -1000 HU around a body of
muscle (+40 HU) with a rim of fat (-100 HU) and a bone (+1000 HU); its label
map puts labels 1..10 in muscle, on exactly the image grid.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import SimpleITK as sitk

from thigh_common.dataset_json import make_dataset_json, write_dataset_json
from thigh_common.image_io import image_file_name, label_file_name, write_image

SHAPE_ZYX = (10, 16, 12)
SPACING = (1.5, 1.25, 3.0)
ORIGIN = (-9.0, 20.0, 300.0)
DIRECTION = (1, 0, 0, 0, 1, 0, 0, 0, 1)


def ct_array(seed: int = 0) -> np.ndarray:
    """Return a CT-like int16 volume ``(z, y, x)`` in HU."""
    rng = np.random.default_rng(seed)
    array = np.full(SHAPE_ZYX, -1000, np.int16)
    array[:, 2:14, 2:10] = -100  # fat
    array[:, 3:13, 3:9] = 40  # muscle
    array[:, 7:9, 5:7] = 1000  # bone
    array[:, 3:13, 3:9] += rng.integers(-5, 6, size=(SHAPE_ZYX[0], 10, 6)).astype(np.int16)
    return array


def label_array() -> np.ndarray:
    """Return a uint8 label volume ``(z, y, x)`` with labels 1..10 inside the muscle."""
    labels = np.zeros(SHAPE_ZYX, np.uint8)
    for label in range(1, 11):
        labels[label - 1, 3:7, 3:5] = label
    return labels


def to_image(array: np.ndarray, spacing=SPACING, origin=ORIGIN, direction=DIRECTION) -> sitk.Image:
    """Wrap an array ``(z, y, x)`` as an image with the test geometry."""
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(spacing)
    image.SetOrigin(origin)
    image.SetDirection(direction)
    return image


def _make_raw_dataset(
    root: Path,
    n_cases: int = 3,
    file_ending: str = ".nii.gz",
    n_test: int = 0,
    name: str = "Dataset001_Thigh",
) -> Path:
    """Write a valid raw dataset ``root/name`` and return its folder.

    Cases are named ``case_000``, ``case_001``, ...; test images ``test_000``, ...
    """
    folder = root / name
    for index in range(n_cases):
        case = f"case_{index:03d}"
        write_image(to_image(ct_array(index)), folder / "imagesTr" / image_file_name(case, file_ending))
        write_image(to_image(label_array()), folder / "labelsTr" / label_file_name(case, file_ending))
    for index in range(n_test):
        case = f"test_{index:03d}"
        write_image(to_image(ct_array(100 + index)), folder / "imagesTs" / image_file_name(case, file_ending))
    write_dataset_json(folder, make_dataset_json(n_cases, file_ending, name=name))
    return folder


@pytest.fixture
def make_raw_dataset():
    """Factory ``make_raw_dataset(tmp_path, n_cases=3, file_ending=".nii.gz", n_test=0, name=...)``."""
    return _make_raw_dataset


@pytest.fixture
def raw_dataset(tmp_path, make_raw_dataset) -> Path:
    """A valid dataset of three training cases and one test image."""
    return make_raw_dataset(tmp_path, n_cases=3, n_test=1)


@pytest.fixture
def synth() -> SimpleNamespace:
    """The volume builders, for tests that write their own broken files."""
    return SimpleNamespace(
        ct_array=ct_array, label_array=label_array, to_image=to_image, write_image=write_image
    )


def _expect_problem(report, case: str, *texts: str) -> str:
    """Assert that ``report`` lists, under ``case``, a problem whose line holds every text."""
    lines = [problem.line() for problem in report.problems if problem.group == case]
    matching = [line for line in lines if all(text in line for text in texts)]
    assert matching, f"no problem under {case!r} containing {texts}; report:\n{report.format()}"
    listing = report.format()
    assert f"  {case}:" in listing and matching[0] in listing, "the problem is in the printed listing"
    return matching[0]


@pytest.fixture
def expect_problem():
    """``expect_problem(report, case, *texts)``: assert a listed problem of ``case`` mentions all texts."""
    return _expect_problem
