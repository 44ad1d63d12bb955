"""Clinical conditions of the phantom, each off by default and drawn from the case seed.

Arms down, metal, whole body, reconstruction circle, truncation, thick slices,
low dose and knee pose.

Each condition lives in its own module and overrides the hooks of
:class:`~dataset_conversion.phantom.conditions.base.Condition` for the stages it
changes; :mod:`~dataset_conversion.phantom.conditions.registry` lists them.
"""
