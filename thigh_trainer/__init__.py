"""Trainer: per-orientation 2D U-Nets, 2D and 3D baselines (design step 5).

- ``data``: training slices and patches, sampling, augmentation, the batch stream;
- ``losses``: Dice, Dice + cross-entropy, deep supervision;
- ``training``: the epoch loop, checkpoints' training state, DDP, and the final validation,
  which predicts with ``thigh_predict``'s ensemble (:func:`thigh_inference.leg_ensemble.predict_leg`).

The networks themselves, checkpoint files and device/precision choices live in ``thigh_networks``,
below both this package and ``thigh_inference``.
"""
