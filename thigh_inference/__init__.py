"""Inference: fold and orientation ensembling, voting, postprocessing, export (design steps 6-7).

- ``slice_prediction.predict_leg_2d``: probabilities of a leg, slice by slice in one orientation.
- ``volume_prediction.predict_leg_3d``: probabilities of a leg by a Gaussian-weighted sliding window.
- ``voting.average_folds`` / ``voting.combine_orientations``: fold mean, orientation vote.
- ``postprocessing.keep_largest_component``: the largest 3D component of each class.

Export back to the scan and reports are tracked by the inference issue.
"""
