"""Inference: fold and orientation ensembling, voting, postprocessing, export (design steps 6-7).

Not implemented yet: tracked by the inference issue.
"""
