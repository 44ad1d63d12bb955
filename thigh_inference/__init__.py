"""Inference: fold and orientation ensembling, voting, postprocessing, export (design steps 6-7).

- ``slice_prediction.predict_leg_2d``: probabilities of a leg, slice by slice in one orientation;
  ``predict_slices``: the mean over several networks (folds), added into a shared volume.
- ``leg_ensemble.predict_leg``: THE ensemble: every fold and orientation of a model on one leg, voted,
  postprocessed; ``thigh_predict`` and the trainer's final validation both call it, with a
  ``settings.PredictionSettings`` (device, mixed precision, voting, postprocessing).
- ``openvino_network`` / ``quantisation`` / ``calibration``: CPU inference in OpenVINO, int8 networks.
- ``volume_prediction.predict_leg_3d``: probabilities of a leg by a Gaussian-weighted sliding window.
- ``voting.average_folds`` / ``voting.winner_takes_all`` / ``voting.combine_orientations``: fold mean,
  orientation vote.
- ``postprocessing.postprocess_leg``: air cleared, then the largest 3D component of each muscle.
- ``trained_model``: a model folder's folds and networks (weights read by ``thigh_networks``).
- ``scan_prediction`` / ``predict_run``: whole scans, mapped back and exported (``thigh_predict``).
- ``output_guard.check_outputs_apart_from_inputs``: refuses an OUT that holds the inputs.
"""
