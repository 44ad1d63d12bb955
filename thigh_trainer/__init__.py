"""Trainer: per-orientation 2D U-Nets, 2D and 3D baselines (design step 5).

Not implemented yet: tracked by the trainer issue.
"""
