"""``thigh_experiment``: the paper's 2D / 2.5D / 3D comparison on one dataset, in one command."""

CONFIGURATIONS: tuple[str, ...] = ("2d", "2d5", "3d")
