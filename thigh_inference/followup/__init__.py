"""Follow-up between two ``thigh_predict`` runs: per subject, leg and muscle (and group), what changed.

- :mod:`~thigh_inference.followup.pairing`: which baseline scan goes with which follow-up scan;
- :mod:`~thigh_inference.followup.changes`: the change table of one subject;
- :mod:`~thigh_inference.followup.figure`: a subject's bar chart of the changes;
- :mod:`~thigh_inference.followup.page`: the Markdown page of the cohort;
- :mod:`~thigh_inference.followup.run`: ``thigh_followup`` end to end.
"""
