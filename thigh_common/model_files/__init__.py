"""Trained models as files: locate one from a user's MODEL argument, export it as one archive, install it.

Nothing here imports torch: the weights are copied and checksummed as files; loading them
is the model code's job (``torch.load(weights_only=True)``).
"""
