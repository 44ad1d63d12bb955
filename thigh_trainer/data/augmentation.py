"""Training augmentation built from the plans' ``augmentation`` settings (batchgenerators transforms).

Spatial first, as in the paper: random scaling within ``scale``, rotation up to ``rotation_deg``
(in-plane for 2D; for 3D around the femur axis z, and a quarter of it around y and x) and a random
shift of up to ``shift_px`` voxels. The shift is a random crop: the loaders cut each sample
:func:`spatial_margin` voxels larger on every side and the spatial transform crops it back to the
patch size. Labels are resampled nearest-neighbour (``order_seg=0``) so they stay 0..10.
Then nnU-Net's intensity transforms, each only when its flag is on, with nnU-Net's probabilities
but one random factor shared by all channels (the three channels are neighbouring slices of one
CT, so brightness, contrast, gamma and blur should not differ between them). Then an optional
left-right mirror and the conversion to torch tensors.

Example:
    >>> transform = build_transforms(config.training.augmentation, (128, 128), spatial_dims=2)
    >>> batch = transform(data=data, seg=seg)  # data (B, 3, 128 + 2m, 128 + 2m) -> tensors (B, 3, 128, 128)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from batchgenerators.transforms.abstract_transforms import AbstractTransform, Compose
from batchgenerators.transforms.color_transforms import (
    BrightnessMultiplicativeTransform,
    ContrastAugmentationTransform,
    GammaTransform,
)
from batchgenerators.transforms.noise_transforms import GaussianBlurTransform, GaussianNoiseTransform
from batchgenerators.transforms.spatial_transforms import MirrorTransform, SpatialTransform
from batchgenerators.transforms.utility_transforms import NumpyToTensor

from thigh_planner.plans.schema import Augmentation

OUT_OF_PLANE_ROTATION_FRACTION = 0.25
"""3D rotation around y and x, as a fraction of ``rotation_deg`` (the crop is femur-aligned already)."""


def spatial_margin(augmentation: Augmentation) -> int:
    """Voxels the loaders add on every side of a sample so the random shift has room."""
    return int(math.ceil(max(0.0, float(augmentation.shift_px))))


def _spatial(augmentation: Augmentation, patch_size: tuple[int, ...], order_data: int) -> SpatialTransform:
    max_angle = math.radians(float(augmentation.rotation_deg))
    tilt = max_angle * OUT_OF_PLANE_ROTATION_FRACTION
    scale = (float(augmentation.scale[0]), float(augmentation.scale[1]))
    return SpatialTransform(
        patch_size,
        patch_center_dist_from_border=[size // 2 for size in patch_size],
        do_elastic_deform=False,
        p_el_per_sample=0,
        do_rotation=max_angle > 0,
        angle_x=(-max_angle, max_angle),
        angle_y=(-tilt, tilt),
        angle_z=(-tilt, tilt),
        p_rot_per_sample=1,
        do_scale=scale != (1.0, 1.0),
        scale=scale,
        p_scale_per_sample=1,
        border_mode_data="nearest",
        order_data=order_data,
        border_mode_seg="constant",
        border_cval_seg=0,
        order_seg=0,
        random_crop=True,
    )


def _intensity(augmentation: Augmentation) -> list[AbstractTransform]:
    transforms: list[AbstractTransform] = []
    if augmentation.noise:
        transforms.append(GaussianNoiseTransform(noise_variance=(0, 0.1), p_per_sample=0.1))
    if augmentation.blur:
        transforms.append(
            GaussianBlurTransform(
                (0.5, 1.0), different_sigma_per_channel=False, p_per_sample=0.2, p_per_channel=1
            )
        )
    if augmentation.brightness:
        transforms.append(
            BrightnessMultiplicativeTransform(
                multiplier_range=(0.75, 1.25), per_channel=False, p_per_sample=0.15
            )
        )
    if augmentation.contrast:
        transforms.append(ContrastAugmentationTransform(per_channel=False, p_per_sample=0.15))
    if augmentation.gamma:
        transforms.append(
            GammaTransform(
                (0.7, 1.5), invert_image=True, per_channel=False, retain_stats=True, p_per_sample=0.1
            )
        )
        transforms.append(
            GammaTransform(
                (0.7, 1.5), invert_image=False, per_channel=False, retain_stats=True, p_per_sample=0.3
            )
        )
    return transforms


def _mirror_axes(spatial_dims: int, orientation: str | None) -> tuple[int, ...]:
    """The left-right (x) axis among the spatial axes: last for axial, coronal and 3D; none for sagittal."""
    if spatial_dims == 2 and orientation == "sagittal":
        return ()
    return (spatial_dims - 1,)


def build_transforms(
    augmentation: Augmentation,
    patch_size: Sequence[int],
    spatial_dims: int,
    orientation: str | None = None,
    order_data: int = 3,
) -> Compose:
    """The training transform for batches ``{"data": (B, C, *S), "seg": (B, 1, *S)}``.

    Args:
        augmentation: The configuration's ``training.augmentation``.
        patch_size: Output patch ``(H, W)`` or ``(D, H, W)``; inputs are this plus
            :func:`spatial_margin` on every side.
        spatial_dims: 2 or 3.
        orientation: Orientation of a 2D stream (only decides the mirror axis; sagittal has none).
        order_data: Spline order of image interpolation (3 as nnU-Net; 1 is faster).

    Returns:
        A ``Compose`` ending in ``NumpyToTensor``: ``data`` and ``seg`` come out as float32 tensors.

    Raises:
        ValueError: When ``spatial_dims`` is not 2 or 3 or ``patch_size`` does not match it.
    """
    if spatial_dims not in (2, 3):
        raise ValueError(f"spatial_dims must be 2 or 3, found {spatial_dims}.")
    patch = tuple(int(size) for size in patch_size)
    if len(patch) != spatial_dims or min(patch) < 1:
        raise ValueError(f"patch_size {patch} does not match spatial_dims={spatial_dims} (positive sizes).")
    transforms: list[AbstractTransform] = [_spatial(augmentation, patch, order_data)]
    transforms += _intensity(augmentation)
    if augmentation.mirror and _mirror_axes(spatial_dims, orientation):
        transforms.append(MirrorTransform(_mirror_axes(spatial_dims, orientation)))
    transforms.append(NumpyToTensor(["data", "seg"], "float"))
    return Compose(transforms)
