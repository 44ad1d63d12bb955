"""Leg normalisation (design step 3): femur-aligned frames, resampling both ways, side masks."""
