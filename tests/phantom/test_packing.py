"""Realism of the leg geometry: tightly packed muscles, thighs resting on the table, thigh size."""

import numpy as np
import SimpleITK as sitk

from dataset_conversion.phantom import sdf
from dataset_conversion.phantom.leg_frame import LegFrame


def _level(case, frame, t):
    """Slice index of level ``t`` of a leg (its shaft axis point) and that point in world mm."""
    p = frame.params
    point = frame.leg_to_world_point(
        np.array([*[float(c) for c in frame.shaft_offset(np.array(t))], t * p.femur_length])
    )
    k = int(np.rint((point[2] - case.grid.origin[2]) / case.grid.spacing[2]))
    return k, point


def _frames(case):
    from dataset_conversion.phantom.case import case_rng, separate_legs
    from dataset_conversion.phantom.parameters import sample_subject

    subject = separate_legs(sample_subject(case_rng(case.truth["seed"], case.truth["index"])))
    return subject, [LegFrame(leg) for leg in subject.legs]


def test_muscles_fill_the_compartment(small_case):
    """At mid-thigh, >= 85 % of the compartment (inside the fascia, off femur and vessels) is labelled."""
    case = small_case
    label = sitk.GetArrayFromImage(case.label)
    _, frames = _frames(case)
    x, y = case.grid.axis(0), case.grid.axis(1)
    for frame in frames:
        k, _ = _level(case, frame, 0.5)
        zz = case.grid.axis(2)[k]
        xx, yy = np.meshgrid(x, y)
        u, v, w = frame.world_to_leg(xx.ravel(), yy.ravel(), np.full(xx.size, zz, np.float32))
        it = frame.t_index(w / np.float32(frame.params.femur_length))
        fascia = sdf.ellipse_radial(
            u - frame.comp_u[it], v - frame.comp_v[it], frame.comp_ru[it], frame.comp_rv[it]
        )
        inside = fascia < 0
        for (vu, vv), radius in zip(
            frame.vessels, (frame.params.artery_radius, frame.params.vein_radius), strict=True
        ):
            inside &= np.hypot(u - vu[it], v - vv[it]) > radius + 3.0
        bone = case.bone[k].ravel()
        inside &= ~bone
        # Leave out the 1-voxel label margin around the femur.
        near_bone = np.zeros_like(bone.reshape(label.shape[1:]))
        b2 = bone.reshape(label.shape[1:])
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                near_bone |= np.roll(np.roll(b2, dy, 0), dx, 1)
        inside &= ~near_bone.ravel()
        labelled = label[k].ravel()[inside] > 0
        assert inside.sum() > 500
        assert labelled.mean() >= 0.85, (
            f"{frame.params.side}: {labelled.mean():.3f} of the compartment is muscle"
        )


def test_proximal_thighs_rest_on_the_table(tiny_cases, small_case):
    """The posterior skin of the proximal thigh (t = 0.4) is within 5 mm of the table top."""
    for case in [*tiny_cases, small_case]:
        subject, frames = _frames(case)
        radius = subject.table_radius
        table_y = case.truth["subject"]["table_top_y_mm"]
        y = case.grid.axis(1)
        x = case.grid.axis(0)
        for frame in frames:
            k, point = _level(case, frame, 0.4)
            near = np.abs(x - point[0]) < 30.0
            body = case.clean[k][:, near] > -500
            body &= y[:, None] < table_y - x[near][None, :] ** 2 / (2 * radius)  # not the table itself
            rows = np.flatnonzero(body.any(axis=1))
            posterior = y[rows].max()
            top = table_y - x[near] ** 2 / (2 * radius)
            gap = float(top.min() - posterior)
            assert gap <= 5.0 + case.grid.spacing[1], (
                f"{case.truth['case']} {frame.params.side}: gap {gap:.1f} mm"
            )


def test_mid_thigh_size(tiny_cases, small_case):
    """Mid-thigh skin width is 115-200 mm and wider left-right than front-back (legs not touching)."""
    for case in [*tiny_cases, small_case]:
        subject, frames = _frames(case)
        x, y = case.grid.axis(0), case.grid.axis(1)
        top = case.truth["subject"]["table_top_y_mm"] - x**2 / (2 * subject.table_radius)
        for frame in frames:
            k, point = _level(case, frame, 0.5)
            body = (case.clean[k] > -500) & (y[:, None] < top[None, :] - 6.0)
            side = (x * frame.params.sign) > 0
            body &= side[None, :]
            if body[:, np.argmin(np.abs(x))].any():
                continue  # the thighs touch at this level: no width per leg
            cols = np.flatnonzero(body.any(axis=0))
            rows = np.flatnonzero(body.any(axis=1))
            width = (cols.max() - cols.min() + 1) * case.grid.spacing[0]
            depth = (rows.max() - rows.min() + 1) * case.grid.spacing[1]
            assert 115.0 <= width <= 200.0, f"{case.truth['case']}: width {width:.0f}"
            assert depth < width + 2 * case.grid.spacing[0]
