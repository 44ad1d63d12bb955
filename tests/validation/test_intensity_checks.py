import numpy as np
import pytest

from dataset_conversion.validation.intensity_checks import intensity_findings, intensity_range


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
