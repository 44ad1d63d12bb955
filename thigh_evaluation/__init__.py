"""Evaluation of predicted thigh muscle label maps against reference labels (``thigh_evaluate``).

Per case, leg and muscle (and muscle group): Dice, average symmetric surface distance,
95 % Hausdorff distance and volumes, their summary over a cohort, and the summary of a
cross-validation. See ``documentation/thigh_evaluate.md``.
"""
