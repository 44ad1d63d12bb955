"""Planner: thigh detection, leg normalisation, dataset fingerprint and plans (training data, steps 3-6 of documentation/architecture.md).

Not implemented yet: tracked by the planner issue.
"""
