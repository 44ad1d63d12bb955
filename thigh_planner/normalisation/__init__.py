"""Leg normalisation (step 6 of documentation/architecture.md): femur-aligned frames, resampling both ways, side masks."""
