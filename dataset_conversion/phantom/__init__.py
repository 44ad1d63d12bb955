"""Synthetic thigh CT phantom (``thigh_synth``): pelvis to upper shin, both legs, ten labelled muscles.

The phantom stands in for real data in tests, benchmarks and demos. It renders
a supine subject in world (LPS) coordinates slab by slab, then applies the
imaging chain (partial-volume blur, correlated noise, int16 HU).

Example:
    >>> from dataset_conversion.phantom.case import generate_case  # doctest: +SKIP
    >>> case = generate_case(seed=0, index=0, size="tiny")  # doctest: +SKIP
    >>> case.image.GetPixelIDTypeAsString()  # doctest: +SKIP
    '16-bit signed integer'
"""

GENERATOR_VERSION = "1.0.0"
