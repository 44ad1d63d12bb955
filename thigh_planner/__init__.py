"""Planner: thigh detection, leg normalisation, dataset fingerprint and plans (design steps 1-4).

Not implemented yet: tracked by the planner issue.
"""
