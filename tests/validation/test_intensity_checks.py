import numpy as np
import pytest

from dataset_conversion.validation.intensity_checks import (
    intensity_findings,
    intensity_range,
    shifted_tissue_share,
)

NOT_CT = "does not look like a CT in HU"
SHIFTED = "without the rescale intercept"


@pytest.mark.parametrize(
    ("lowest", "highest", "expected"),
    [
        (-1024, 1500, []),
        (-3024, 3071, []),
        (-1000, 30000, []),
        (-600, 150, []),
        (0.0, 1.0, ["looks normalised"]),
        (-1.0, 1.0, ["looks normalised"]),
        (-2.5, 6.0, ["looks normalised"]),
        (0, 255, ["8-bit display values"]),
        (0, 3000, ["without the rescale intercept"]),
        (24, 2048, ["without the rescale intercept"]),
        (0, 1000, [NOT_CT]),
        (12, 1400, [NOT_CT]),
        (5, 5, ["constant image"]),
        (-100, 1200, ["no air"]),
        (-1000, 50, ["no tissue or bone"]),
        (-5000, 1000, ["below -3100"]),
        (-1000, 70000, ["above 32767"]),
        (-300, 50, ["no air", "no tissue or bone"]),
        (float("nan"), 10, ["not-a-number"]),
    ],
)
def test_intensity_findings(lowest, highest, expected):
    findings = intensity_findings(lowest, highest)
    assert len(findings) == len(expected)
    for finding, text in zip(findings, expected, strict=True):
        assert text in finding.found
        assert finding.expected.startswith("a CT in HU")
        assert finding.fix


def test_range_ignores_int16_padding():
    array = np.array([-32768, -32768, -1000, 40, 1000], np.int16)
    assert intensity_range(array) == (-1000.0, 1000.0)
    assert intensity_range(np.full(3, -32768, np.int16)) == (-32768.0, -32768.0)


def _thigh(fat: float, muscle: float, bone: float, background: float) -> np.ndarray:
    """A slab ``(z, y, x)``: background around a body of fat and muscle with a small bone."""
    array = np.full((4, 40, 40), background, np.float32)
    array[:, 5:35, 5:35] = fat
    array[:, 10:30, 10:30] = muscle
    array[:, 18:22, 18:22] = bone
    return array


def _finding_texts(array: np.ndarray) -> tuple[str, str]:
    (finding,) = intensity_findings(*intensity_range(array), array)
    return finding.found, finding.fix


def test_ct_stored_without_intercept_is_told_to_subtract_1024():
    shifted = _thigh(fat=-100, muscle=50, bone=1200, background=-1000) + 1024
    assert shifted_tissue_share(shifted) > 0.9
    found, fix = _finding_texts(shifted)
    assert SHIFTED in found
    assert fix == "Apply RescaleSlope/RescaleIntercept (typically subtract 1024)"


@pytest.mark.parametrize(
    "array",
    [
        _thigh(fat=950, muscle=300, bone=50, background=0),  # T1 MR, 0..1000: no bone-bright voxels
        _thigh(fat=3800, muscle=1500, bone=200, background=0),  # 12-bit MR with a bright range
    ],
    ids=["mr_0_1000", "mr_0_3800"],
)
def test_mr_like_volume_is_not_told_to_subtract_1024(array):
    found, fix = _finding_texts(array)
    assert NOT_CT in found and "an MR or another modality?" in found
    assert "1024" not in fix
    assert fix == "thighseg segments CT scans in HU; give the CT of this patient, not an MR or another image"
