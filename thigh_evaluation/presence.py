"""Whether a structure is in the reference, the prediction, both or neither.

The status decides which metrics are defined: surface distances need both masks, Dice
needs at least one, and a structure absent from both has no metric at all (it is
reported as absent, never as a perfect or a failed score).

Example:
    >>> presence_status(reference_voxels=120, predicted_voxels=0)
    'missing_in_prediction'
"""

from __future__ import annotations

PRESENT = "present"
ABSENT_IN_BOTH = "absent_in_both"
MISSING_IN_PREDICTION = "missing_in_prediction"
MISSING_IN_REFERENCE = "missing_in_reference"
STATUSES: tuple[str, ...] = (PRESENT, ABSENT_IN_BOTH, MISSING_IN_PREDICTION, MISSING_IN_REFERENCE)


def presence_status(reference_voxels: int, predicted_voxels: int) -> str:
    """The status of a structure from its voxel counts in the reference and the prediction.

    Args:
        reference_voxels: Voxels of the structure in the reference mask.
        predicted_voxels: Voxels of the structure in the predicted mask.

    Returns:
        One of :data:`STATUSES`.
    """
    if reference_voxels > 0 and predicted_voxels > 0:
        return PRESENT
    if reference_voxels > 0:
        return MISSING_IN_PREDICTION
    if predicted_voxels > 0:
        return MISSING_IN_REFERENCE
    return ABSENT_IN_BOTH
