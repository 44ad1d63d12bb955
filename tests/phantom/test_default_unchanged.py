"""The default output (no condition) stays byte-identical to the generator before conditions existed."""

import hashlib
import json

import pytest
import SimpleITK as sitk

from dataset_conversion.phantom.case import generate_case

REFERENCE = {
    # SHA-256 of image and label arrays, their geometry and the truth JSON, from commit 4dcee70.
    (0, 0, "both"): "217c848f04674f6bcd8564c6833c47d4c494b0c9391e6b8807d5ea428077ead9",
    (3, 2, "left"): "49c5acc7b08886e14eda6ae2de0f6054a0118fbb13e355830e2db5700af95909",
}


def case_digest(case) -> str:
    """Digest of everything a case writes (arrays, geometry, truth)."""
    digest = hashlib.sha256()
    for image in (case.image, case.label):
        digest.update(sitk.GetArrayViewFromImage(image).tobytes())
        digest.update(repr((image.GetSpacing(), image.GetOrigin(), image.GetDirection())).encode())
    digest.update(json.dumps(case.truth, sort_keys=True).encode())
    return digest.hexdigest()


@pytest.mark.parametrize(("seed", "index", "legs"), list(REFERENCE))
def test_default_case_is_byte_identical(seed, index, legs):
    assert case_digest(generate_case(seed, index, "tiny", legs=legs)) == REFERENCE[(seed, index, legs)]
