import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from thigh_common.labels import LABEL_GROUPS
from thigh_inference.muscle_table import (
    CASE_COLUMNS,
    MISSING_LEG_NOTE,
    case_table,
    left_of_plane,
    summary_table,
    write_case_table,
    write_summary,
)
from thigh_planner.normalisation.midline import MidlinePlane

SPACING = (0.5, 0.8, 2.0)  # x, y, z: voxel 0.8 mm^3 = 0.0008 mL


def _scan():
    """Two legs along x: right half x < 4, left half x >= 4 (LPS: x grows to the patient's left)."""
    labels = np.zeros((2, 3, 8), np.uint8)
    hu = np.full(labels.shape, -1000.0)
    # Right leg, label 3: four voxels with known HU (fat, fat, lean, lean-edge).
    labels[0, 0, :4] = 3
    hu[0, 0, :4] = [-190, -30, -29, 150]
    # Right leg, label 1: one voxel of bone (neither fat nor lean).
    labels[1, 1, 0] = 1
    hu[1, 1, 0] = 400
    # Left leg, label 3: six voxels.
    labels[1, 2, 4:8] = 3
    labels[0, 2, 4:6] = 3
    hu[1, 2, 4:8] = [40, 50, 60, 70]
    hu[0, 2, 4:6] = [-100, -200]
    is_left = np.zeros(labels.shape, bool)
    is_left[:, :, 4:] = True
    return labels, hu, is_left


def _row(table, side, label):
    return table[(table.side == side) & (table.label == label)].iloc[0]


def test_values_against_direct_counts():
    labels, hu, is_left = _scan()
    table = case_table(labels, hu, SPACING, is_left, {"left", "right"}, "c1")
    assert list(table.columns) == list(CASE_COLUMNS)
    assert len(table) == 20
    voxel_ml = 0.5 * 0.8 * 2.0 / 1000
    right3 = _row(table, "right", 3)
    values = np.array([-190, -30, -29, 150], float)
    assert right3.volume_ml == pytest.approx(4 * voxel_ml)
    assert right3.mean_hu == pytest.approx(values.mean())
    assert right3.sd_hu == pytest.approx(values.std(ddof=1))
    assert right3.fat_fraction == pytest.approx(0.5)
    assert right3.lean_volume_ml == pytest.approx(2 * voxel_ml)
    left3 = _row(table, "left", 3)
    values = np.array([40, 50, 60, 70, -100, -200], float)
    assert left3.volume_ml == pytest.approx(6 * voxel_ml)
    assert left3.mean_hu == pytest.approx(values.mean())
    assert left3.sd_hu == pytest.approx(values.std(ddof=1))
    assert left3.fat_fraction == pytest.approx(1 / 6)
    assert left3.lean_volume_ml == pytest.approx(4 * voxel_ml)
    right1 = _row(table, "right", 1)
    assert right1.volume_ml == pytest.approx(voxel_ml)
    assert right1.mean_hu == 400 and np.isnan(right1.sd_hu)
    assert right1.fat_fraction == 0 and right1.lean_volume_ml == 0
    empty = _row(table, "left", 1)
    assert empty.volume_ml == 0 and np.isnan(empty.mean_hu) and empty.note == "muscle not segmented"


def test_side_function_from_a_midline_plane_matches_the_mask():
    labels, hu, is_left = _scan()
    image = sitk.GetImageFromArray(hu)
    image.SetSpacing(SPACING)
    # Flip x in the direction matrix: x index now grows to the patient's right.
    image.SetDirection((-1, 0, 0, 0, 1, 0, 0, 0, 1))
    plane = MidlinePlane(point_mm=(-0.5 * 3.5, 0.0, 0.0), normal=(1.0, 0.0, 0.0))
    table = case_table(labels, hu, SPACING, left_of_plane(image, plane), {"left", "right"}, "c1")
    mirrored = case_table(labels, hu, SPACING, ~is_left, {"left", "right"}, "c1")
    pd.testing.assert_frame_equal(table, mirrored)
    assert _row(table, "left", 3).volume_ml == pytest.approx(4 * 0.0008)


def test_one_leg_gets_all_voxels_and_the_other_a_note():
    labels, hu, _ = _scan()
    table = case_table(labels, hu, SPACING, None, {"left"}, "c2")
    assert _row(table, "left", 3).volume_ml == pytest.approx(10 * 0.0008)
    missing = table[table.side == "right"]
    assert len(missing) == 10
    assert (missing.note == MISSING_LEG_NOTE).all()
    assert missing[["volume_ml", "mean_hu", "sd_hu", "fat_fraction", "lean_volume_ml"]].isna().all().all()


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"is_left": None}, "both legs are present: give is_left"),
        (
            {"legs_present": {"left", "middle"}},
            "legs_present holds ['middle']; expected 'left' and/or 'right'",
        ),
        (
            {"is_left": np.zeros((1, 1, 1), bool)},
            "is_left mask of shape (1, 1, 1) does not match the labels (2, 3, 8)",
        ),
        ({"image_hu": np.zeros((2, 3, 7))}, "labels (2, 3, 8) and image (2, 3, 7) differ in shape"),
    ],
)
def test_bad_arguments(kwargs, expected):
    labels, hu, is_left = _scan()
    arguments = {
        "labels": labels,
        "image_hu": hu,
        "spacing_mm": SPACING,
        "is_left": is_left,
        "legs_present": {"left", "right"},
        "case_id": "c",
    } | kwargs
    with pytest.raises(ValueError) as caught:
        case_table(**arguments)
    assert expected in str(caught.value)


def test_bad_label_value():
    labels, hu, is_left = _scan()
    labels[0, 0, 0] = 12
    with pytest.raises(ValueError, match="label value 12 outside the label table 0 .. 10"):
        case_table(labels, hu, SPACING, is_left, {"left", "right"}, "c")


def _fake(case, volumes_right, volumes_left):
    rows = []
    for side, volumes in (("right", volumes_right), ("left", volumes_left)):
        for label, volume in enumerate(volumes, start=1):
            rows.append(
                {
                    "case": case,
                    "side": side,
                    "label": label,
                    "muscle": f"m{label}",
                    "volume_ml": volume,
                    "mean_hu": 50.0 if side == "left" else 40.0,
                    "sd_hu": 1.0,
                    "fat_fraction": 0.1,
                    "lean_volume_ml": volume,
                    "note": "",
                }
            )
    return pd.DataFrame(rows, columns=list(CASE_COLUMNS))


def test_summary_asymmetry(tmp_path):
    one = _fake("b", [110.0, 0.0], [90.0, 0.0])
    two = _fake("a", [50.0, 10.0], [np.nan, np.nan])
    summary = summary_table([one, two])
    assert list(summary[summary.kind == "muscle"].case) == ["a", "a", "b", "b"]
    assert list(summary[summary.case == "a"].muscle)[2:] == [*LABEL_GROUPS, "all_muscles"]
    b1 = summary[(summary.case == "b") & (summary.label == 1)].iloc[0]
    assert b1.volume_ml_right == 110 and b1.volume_ml_left == 90
    assert b1.volume_asymmetry_percent == pytest.approx(100 * 20 / 100)
    assert b1.mean_hu_left == 50 and b1.mean_hu_right == 40
    assert np.isnan(summary[(summary.case == "b") & (summary.label == 2)].iloc[0].volume_asymmetry_percent)
    assert summary[summary.case == "a"].volume_asymmetry_percent.isna().all()
    write_summary(summary, tmp_path / "summary.csv")
    back = pd.read_csv(tmp_path / "summary.csv")
    assert list(back.columns) == list(summary.columns)
    assert len(back[back.kind == "muscle"]) == 4 and len(back) == 4 + 2 * (len(LABEL_GROUPS) + 1)


def test_summary_of_real_case_tables_with_a_missing_leg(tmp_path):
    labels, hu, is_left = _scan()
    both = case_table(labels, hu, SPACING, is_left, {"left", "right"}, "c1")
    one = case_table(labels, hu, SPACING, None, {"left"}, "c2")
    summary = summary_table([both, one])
    assert len(summary) == 2 * (10 + len(LABEL_GROUPS) + 1)
    row = summary[(summary.case == "c1") & (summary.label == 3)].iloc[0]
    assert row.volume_asymmetry_percent == pytest.approx(100 * (4 - 6) / 5)
    assert summary[summary.case == "c2"].volume_ml_right.isna().all()
    write_case_table(both, tmp_path / "c1.csv")
    back = pd.read_csv(tmp_path / "c1.csv", keep_default_na=False, na_values=[""])
    assert len(back) == 20 and list(back.columns) == list(CASE_COLUMNS)


def test_empty_summary_has_the_columns():
    assert "volume_asymmetry_percent" in summary_table([]).columns


def test_side_function_agrees_with_plane_distance_on_an_oblique_grid():
    from thigh_planner.normalisation.grid_region import plane_distance_on_grid

    image = sitk.Image(9, 7, 5, sitk.sitkInt16)
    image.SetSpacing((0.7, 1.1, 2.5))
    image.SetOrigin((-3.0, 2.0, 10.0))
    a = np.deg2rad(35.0)
    image.SetDirection((np.cos(a), -np.sin(a), 0, np.sin(a), np.cos(a), 0, 0, 0, 1))
    plane = MidlinePlane(point_mm=(0.5, 3.0, 12.0), normal=(0.8, 0.6, 0.0))
    expected = plane_distance_on_grid(image, None, np.asarray(plane.point_mm), np.asarray(plane.normal)) > 0
    indices = np.unravel_index(np.arange(expected.size), expected.shape)
    np.testing.assert_array_equal(left_of_plane(image, plane)(indices), expected.ravel())
    assert 0 < expected.sum() < expected.size


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    from support.phantom_datasets import synthesise, truth

    from thigh_common.image_io import read_image

    folder = synthesise(tmp_path_factory.mktemp("phantom"), "-n", "1", "--size", "tiny", "--seed", "1")
    image = read_image(folder / "imagesTr" / "phantom_000_0000.nii.gz")
    labels = read_image(folder / "labelsTr" / "phantom_000.nii.gz")
    return image, labels, truth(folder, "phantom_000")


def test_phantom_scan_split_at_the_midline(phantom):
    image, label_image, truth = phantom
    legs = truth["legs"]
    plane = MidlinePlane.between(
        np.asarray(legs["left"]["femoral_head_centre_mm"]),
        np.asarray(legs["right"]["femoral_head_centre_mm"]),
    )
    labels = sitk.GetArrayFromImage(label_image)
    hu = sitk.GetArrayFromImage(image)
    table = case_table(labels, hu, image.GetSpacing(), left_of_plane(image, plane), {"left", "right"}, "p")
    voxel_ml = np.prod(image.GetSpacing()) / 1000
    totals = table.groupby("label").volume_ml.sum()
    np.testing.assert_allclose(totals.values, np.bincount(labels.ravel(), minlength=11)[1:] * voxel_ml)
    assert (table.volume_ml > 0).all() and (table.note == "").all()
    # Sides follow world x (LPS: the patient's right at negative x), not the array index.
    z, y, x = np.nonzero(labels)
    assert image.GetDirection() == (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
    world_x = np.asarray(image.GetOrigin())[0] + x * image.GetSpacing()[0]
    right_ml = (world_x < plane.point_mm[0]).sum() * voxel_ml
    assert table[table.side == "right"].volume_ml.sum() == pytest.approx(right_ml)
    for side in ("left", "right"):
        expected = legs[side]["muscle_hu_before_infiltration"]["vastus_lateralis"]
        assert _row(table, side, 3).mean_hu == pytest.approx(expected, abs=30)


def test_scan_note_is_added_to_every_row():
    labels, hu, _ = _scan()
    note = "slices are not evenly spaced (gaps from 2.500 to 5.000 mm, mean 2.750 mm)"
    table = case_table(labels, hu, SPACING, None, {"left"}, "c3", scan_note=note)
    assert (table[table.side == "right"].note == f"{MISSING_LEG_NOTE}; {note}").all()
    assert _row(table, "left", 3).note == note
    assert _row(table, "left", 2).note == f"muscle not segmented; {note}"
    without = case_table(labels, hu, SPACING, None, {"left"}, "c3")
    assert _row(without, "left", 3).note == ""


def test_case_table_marks_no_row_partial():
    labels, hu, is_left = _scan()
    table = case_table(labels, hu, SPACING, is_left, {"left", "right"}, "c1")
    assert table["partial"].dtype == bool and not table["partial"].any()


def test_summary_carries_the_partial_flags_and_the_notes_of_both_legs(tmp_path):
    labels, hu, _ = _scan()
    table = case_table(labels, hu, SPACING, None, {"left"}, "c4", scan_note="slices are uneven")
    left3 = (table.side == "left") & (table.label == 3)
    table.loc[left3, "partial"] = True
    table.loc[left3, "note"] = "partial: thigh cut by the field of view at the distal end; slices are uneven"
    whole = _fake("c5", [1.0] * 10, [1.0] * 10)
    write_case_table(table, tmp_path / "c4_muscles.csv")
    write_case_table(whole, tmp_path / "c5_muscles.csv")
    tables = [pd.read_csv(tmp_path / name) for name in ("c4_muscles.csv", "c5_muscles.csv")]
    write_summary(summary_table(tables), tmp_path / "summary.csv")
    summary = pd.read_csv(tmp_path / "summary.csv", keep_default_na=False, na_values=[""])
    assert list(summary.columns[-3:]) == ["partial_left", "partial_right", "note"]
    row = summary[(summary.case == "c4") & (summary.label == 3)].iloc[0]
    assert bool(row.partial_left) and not row.partial_right
    assert row.note == (
        "left: partial: thigh cut by the field of view at the distal end; slices are uneven"
        f" | right: {MISSING_LEG_NOTE}; slices are uneven"
    )
    row = summary[(summary.case == "c4") & (summary.label == 2)].iloc[0]
    assert (
        row.note
        == f"left: muscle not segmented; slices are uneven | right: {MISSING_LEG_NOTE}; slices are uneven"
    )
    c5 = summary[summary.case == "c5"]
    assert not c5.partial_left.any() and not c5.partial_right.any() and c5.note.isna().all()


def test_summary_of_tables_without_the_partial_column():
    """Case tables written before the column existed (a rerun that skips finished scans) count as whole."""
    old = _fake("c6", [1.0] * 10, [2.0] * 10).drop(columns="partial")
    old["note"] = "same on both legs"
    summary = summary_table([old])
    assert not summary.partial_left.any() and not summary.partial_right.any()
    assert (summary.note == "same on both legs").all()


def test_the_tables_are_written_to_the_precision_the_measurement_supports(tmp_path):
    from thigh_inference.muscle_table import ROUNDING, write_summary

    labels, hu, is_left = _scan()
    spacing = (0.7137, 0.7137, 1.25)  # a voxel of 0.63673 uL: volumes with long tails
    table = case_table(labels, hu, spacing, is_left, {"left", "right"}, "c1").assign(
        agreement_orientations=0.9240542723578318,
        mean_probability=0.71576734877,
        removed_fraction=0.00019712201,
    )
    write_case_table(table, tmp_path / "c1.csv")
    write_summary(summary_table([table]), tmp_path / "summary.csv")
    for path in (tmp_path / "c1.csv", tmp_path / "summary.csv"):
        written = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in written.columns:
            places = ROUNDING.get(column.removesuffix("_left").removesuffix("_right"))
            if places is None:
                continue
            decimals = written[column].str.partition(".")[2].str.len()
            assert decimals.max() <= places, (path.name, column, written[column].iloc[0])
    back = pd.read_csv(tmp_path / "c1.csv")
    assert back["agreement_orientations"].iloc[0] == 0.924 and back["removed_fraction"].iloc[0] == 0.0002
    assert back["volume_ml"].iloc[0] == round(table["volume_ml"].iloc[0], 2)


def test_the_summary_counts_the_flagged_muscles_of_each_row(tmp_path):
    from thigh_inference.muscle_groups import with_group_rows

    labels, hu, is_left = _scan()
    table = case_table(labels, hu, SPACING, is_left, {"left", "right"}, "c1").assign(qc="ok", qc_reason="")
    flagged = {
        ("left", "gracilis"),
        ("left", "rectus_femoris"),
        ("left", "vastus_medialis"),
        ("right", "sartorius"),
    }
    for side, muscle in flagged:
        table.loc[(table.side == side) & (table.muscle == muscle), "qc"] = "check"
    summary = summary_table([with_group_rows(table)]).set_index(["kind", "muscle"])
    counts = ["checks_left", "checks_right"]
    assert summary.loc[("muscle", "gracilis"), counts].tolist() == [1, 0]
    assert summary.loc[("group", "quadriceps"), counts].tolist() == [2, 0]
    assert summary.loc[("muscle", "sartorius"), counts].tolist() == [0, 1]
    assert summary.loc[("group", "sartorius"), counts].tolist() == [0, 1]
    assert summary.loc[("total", "all_muscles"), counts].tolist() == [3, 1]
    assert summary.loc[("muscle", "adductors"), counts].tolist() == [0, 0]
    unscored = summary_table([case_table(labels, hu, SPACING, is_left, {"left", "right"}, "c2")])
    assert (unscored[["checks_left", "checks_right"]] == 0).all().all()
