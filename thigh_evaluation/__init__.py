"""Evaluation of predicted thigh muscle label maps against reference labels (``thigh_evaluate``).

See ``documentation/thigh_evaluate.md``.
"""
