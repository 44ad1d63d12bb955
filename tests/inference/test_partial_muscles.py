"""The rule that marks a muscle cut by the scan's field of view, on small synthetic label arrays."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from thigh_inference.muscle_table import MISSING_MUSCLE_NOTE, case_table
from thigh_inference.partial_muscles import cut_muscles, leg_warnings, mark_partial, partial_note
from thigh_planner.detection.thigh_detector import LegDetection

SPACING = (
    1.0,
    1.0,
    2.0,
)  # x, y, z: the margin of 4 mm is slices 0..2 along z, columns and rows 0..4 along x and y


def _leg(side: str, cut_ends: tuple[str, ...] = (), missing_mm: float = 0.0) -> LegDetection:
    return LegDetection(side, (0.0, 1.0), (0.0, 0.0, 0.0), (0.0, 0.0, 1.0), 200.0, cut_ends, missing_mm)


def _labels() -> np.ndarray:
    """Two legs along x (right x < 10, left x >= 10) in a 12-slice scan."""
    labels = np.zeros((12, 20, 20), np.uint8)
    labels[4:12, 10, 6] = 1  # right sartorius: up to the last slice
    labels[3:9, 10, 7] = 2  # right rectus femoris: ends 3 slices (6 mm) inside at both ends
    labels[2:6, 11, 8] = 4  # right vastus intermedius: first labelled slice 2 (4 mm from the face)
    labels[5:7, 9, 0:3] = 3  # right vastus lateralis: reaches column 0 (patient right in LPS)
    labels[3:9, 10, 13] = 1  # left sartorius: whole
    labels[5:7, 9, 17:20] = 3  # left vastus lateralis: reaches the last column (patient left)
    return labels


def _image(direction=(1, 0, 0, 0, 1, 0, 0, 0, 1), shape=(12, 20, 20)) -> sitk.Image:
    image = sitk.Image(shape[::-1], sitk.sitkInt16)
    image.SetSpacing(SPACING)
    image.SetDirection(direction)
    return image


def _is_left(shape=(12, 20, 20)) -> np.ndarray:
    left = np.zeros(shape, bool)
    left[:, :, 10:] = True
    return left


def test_muscles_reaching_a_face_are_cut_and_named_by_the_end():
    cuts = cut_muscles(_labels(), _image(), _is_left(), {"left", "right"})
    assert cuts == {
        ("right", 1): ("proximal end",),
        ("right", 4): ("distal end",),
        ("right", 3): ("lateral side",),
        ("left", 3): ("lateral side",),
    }


def test_ends_follow_the_direction_matrix_not_the_array_index():
    # z and x flipped: slice 0 is now superior, column 0 the patient's left
    flipped = cut_muscles(_labels(), _image((-1, 0, 0, 0, 1, 0, 0, 0, -1)), _is_left(), {"left", "right"})
    assert flipped[("right", 1)] == ("distal end",)
    assert flipped[("right", 4)] == ("proximal end",)
    assert flipped[("right", 3)] == ("medial side",)  # column 0 lies towards the patient's left
    assert flipped[("left", 3)] == ("medial side",)


def test_a_muscle_reaching_two_faces_lists_both():
    labels = _labels()
    labels[0:12, 12, 9] = 5
    cuts = cut_muscles(labels, _image(), _is_left(), {"left", "right"})
    assert cuts[("right", 5)] == ("proximal end", "distal end")
    note = partial_note(cuts[("right", 5)], _leg("right", ("proximal",), 110.0))
    assert (
        note
        == "partial: thigh cut by the field of view at the proximal end and distal end, about 110 mm missing"
    )


def test_one_leg_owns_every_voxel_and_no_leg_gives_no_cut():
    cuts = cut_muscles(_labels(), _image(), None, {"right"})
    assert cuts[("right", 3)] == ("lateral side", "medial side")  # both x faces, seen from the right leg
    assert cut_muscles(_labels(), _image(), None, set()) == {}


@pytest.mark.parametrize(
    ("faces", "leg", "expected"),
    [
        (("proximal end",), None, "partial: thigh cut by the field of view at the proximal end"),
        (
            ("proximal end",),
            _leg("right", ("proximal",), 110.4),
            "partial: thigh cut by the field of view at the proximal end, about 110 mm missing",
        ),
        # the detector saw the other end cut: its length estimate is not this muscle's
        (
            ("lateral side",),
            _leg("right", ("distal",), 40.0),
            "partial: thigh cut by the field of view at the lateral side",
        ),
        (
            ("distal end",),
            _leg("right", ("distal",), 0.0),
            "partial: thigh cut by the field of view at the distal end",
        ),
    ],
)
def test_partial_note(faces, leg, expected):
    assert partial_note(faces, leg) == expected


def test_mark_partial_sets_the_flag_and_puts_the_note_first():
    labels = _labels()
    hu = np.zeros(labels.shape)
    table = case_table(labels, hu, SPACING, _is_left(), {"left", "right"}, "c", scan_note="slices are uneven")
    cuts = cut_muscles(labels, _image(), _is_left(), {"left", "right"})
    marked = mark_partial(table, cuts, {"right": _leg("right", ("proximal",), 110.0), "left": _leg("left")})
    assert not table["partial"].any(), "the input table is not changed"
    row = marked[(marked.side == "right") & (marked.label == 1)].iloc[0]
    assert bool(row.partial)
    assert (
        row.note
        == "partial: thigh cut by the field of view at the proximal end, about 110 mm missing; slices are uneven"
    )
    whole = marked[(marked.side == "right") & (marked.label == 2)].iloc[0]
    assert not whole.partial and whole.note == "slices are uneven"
    absent = marked[(marked.side == "left") & (marked.label == 2)].iloc[0]
    assert not absent.partial and absent.note == f"{MISSING_MUSCLE_NOTE}; slices are uneven"
    assert int(marked["partial"].sum()) == 4


def test_one_warning_per_leg_naming_the_leg_the_ends_and_the_muscles():
    cuts = cut_muscles(_labels(), _image(), _is_left(), {"left", "right"})
    messages = leg_warnings(cuts, {"right": _leg("right", ("proximal",), 110.0), "left": _leg("left")})
    assert messages == [
        "right thigh cut by the field of view at the proximal end, distal end and lateral side "
        "(about 110 mm of the femoral shaft missing): 3 muscle(s) marked partial in the table "
        "(sartorius, vastus_lateralis, vastus_intermedius); do not compare their volumes with whole ones",
        "left thigh cut by the field of view at the lateral side: 1 muscle(s) marked partial in the table "
        "(vastus_lateralis); do not compare their volumes with whole ones",
    ]


def test_a_leg_cut_by_the_detector_whose_muscles_all_end_inside_is_still_reported():
    messages = leg_warnings({}, {"left": _leg("left", ("distal",), 60.0), "right": _leg("right")})
    assert messages == [
        "left thigh cut by the field of view at the distal end (about 60 mm of the femoral shaft missing): "
        "every muscle ends inside the image, none marked partial"
    ]


def test_labels_of_another_grid_are_refused():
    with pytest.raises(
        ValueError, match=r"labels \(12, 20, 20\) do not match the image \(size x, y, z \(20, 20, 11\)\)"
    ):
        cut_muscles(_labels(), _image(shape=(11, 20, 20)), None, {"right"})
