import resource

import numpy as np
import pytest
import SimpleITK as sitk

from dataset_conversion.phantom.case import generate_case
from thigh_common.labels import MUSCLE_LABELS


@pytest.mark.slow
def test_clinical_case_is_complete_and_fits_in_memory():
    case = generate_case(0, 0, "clinical")
    assert case.image.GetSize()[:2] == (512, 512)
    assert min(case.image.GetSpacing()[:2]) >= 0.7
    label = sitk.GetArrayFromImage(case.label)
    x = case.grid.axis(0)[None, None, :]
    for side in (x < 0, x > 0):
        assert set(np.unique(label[np.broadcast_to(side, label.shape)])) == {0, *MUSCLE_LABELS}
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20 < 12.0  # KiB -> GiB
