"""Label mapping rules: parsing, default name matching, unmapped sources, applying with a lookup table."""

from __future__ import annotations

import json

import numpy as np
import pytest
import SimpleITK as sitk

from dataset_conversion.label_mapping import (
    apply_mapping,
    combine_rules,
    normalise_name,
    parse_map_specs,
    parse_target,
    read_map_file,
    resolve_named_mapping,
    resolve_numeric_mapping,
)
from thigh_common.errors import InvalidInputError


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Vastus-Lateralis", "vastus_lateralis"), (" rectus  femoris ", "rectus_femoris"), ("A__b- c", "a_b_c")],
)
def test_normalise_name(name, expected):
    assert normalise_name(name) == expected


@pytest.mark.parametrize(
    ("target", "expected"),
    [("3", 3), (6, 6), ("adductors", 6), ("Biceps-Femoris", 8), ("0", 0), ("background", 0)],
)
def test_parse_target(target, expected):
    assert parse_target(target) == expected


def test_parse_map_specs():
    rules = parse_map_specs(
        ["vastus_lat=3", "12=6", "adductor_longus=adductors", "Adductor Magnus=6", "07=0"]
    )
    assert rules == {"vastus_lat": 3, "12": 6, "adductor_longus": 6, "adductor_magnus": 6, "7": 0}


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (["vastus_lat"], "expected SOURCE=TARGET"),
        (["=3"], "expected SOURCE=TARGET"),
        (["a="], "expected SOURCE=TARGET"),
        (["a=11"], "'11' is not a thighseg label; use a number or name of: 0=background, 1=sartorius"),
        (["a=quadriceps"], "'quadriceps' is not a thighseg label"),
        (["a=3", "A=4"], "source 'A' is mapped twice, to 3 and 4"),
    ],
)
def test_bad_map_specs(specs, message):
    with pytest.raises(InvalidInputError) as error:
        parse_map_specs(specs)
    assert message in str(error.value)


def test_map_file_and_specs_combine(tmp_path):
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"12": "adductors", "gluteus": 0, "vastus lat": 3}))
    assert read_map_file(path) == {"12": 6, "gluteus": 0, "vastus_lat": 3}
    assert combine_rules(["13=6"], path) == {"12": 6, "gluteus": 0, "vastus_lat": 3, "13": 6}
    with pytest.raises(InvalidInputError, match="mapped twice"):
        combine_rules(["12=7"], path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("[1, 2]", "expected a JSON object"),
        ("{", "not valid JSON"),
        ('{"a": [1]}', "must be a name or number"),
    ],
)
def test_bad_map_files(tmp_path, content, message):
    path = tmp_path / "map.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InvalidInputError, match=message):
        read_map_file(path)


def test_named_mapping_defaults_and_many_to_one():
    source = {
        "background": 0,
        "Sartorius": 1,
        "adductor-magnus": 2,
        "adductor longus": 3,
        "ADDUCTOR_BREVIS": 4,
    }
    rules = parse_map_specs(["adductor_magnus=6", "adductor_longus=6", "4=adductors"])
    assert resolve_named_mapping(source, rules) == {0: 0, 1: 1, 2: 6, 3: 6, 4: 6}


def test_named_mapping_unmapped_is_an_error_listing_all_with_the_hint():
    source = {"background": 0, "sartorius": 1, "gluteus maximus": 2, "femur": 3}
    with pytest.raises(InvalidInputError) as error:
        resolve_named_mapping(source)
    message = str(error.value)
    assert "unmapped source label(s): gluteus maximus=2, femur=3" in message
    assert "--map SOURCE=TARGET" in message and "--unmapped background" in message
    assert resolve_named_mapping(source, unmapped="background") == {0: 0, 1: 1, 2: 0, 3: 0}


def test_named_mapping_rejects_a_rule_for_a_label_the_source_lacks():
    with pytest.raises(InvalidInputError) as error:
        resolve_named_mapping({"background": 0, "vl": 1}, {"vastus_lat": 3, "1": 3})
    assert "'vastus_lat'" in str(error.value) and "its labels are: background=0, vl=1" in str(error.value)


def test_numeric_mapping():
    assert resolve_numeric_mapping([0, 1, 10]) == {0: 0, 1: 1, 10: 10}, "no rules: our numbers already"
    with pytest.raises(InvalidInputError, match=r"unmapped label value\(s\): 12"):
        resolve_numeric_mapping([0, 1, 12])
    assert resolve_numeric_mapping([0, 12, 13], {"12": 6, "13": 6}) == {0: 0, 12: 6, 13: 6}
    with pytest.raises(InvalidInputError, match=r"unmapped label value\(s\): 1, 14"):
        resolve_numeric_mapping([0, 1, 12, 14], {"12": 6})
    assert resolve_numeric_mapping([0, 1, 12], {"12": 6}, unmapped="background") == {0: 0, 1: 0, 12: 6}
    with pytest.raises(InvalidInputError, match="have only numbers; map numbers"):
        resolve_numeric_mapping([0, 1], {"vastus": 3})


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint16, np.float32, np.int32])
def test_apply_mapping_keeps_geometry_and_gives_uint8(dtype, synth):
    array = np.zeros((4, 5, 6), dtype)
    array[0, 0, :3] = (1, 2, 300 if dtype not in (np.uint8,) else 3)
    source = synth.to_image(array, spacing=(0.7, 0.8, 3.0))
    mapping = {0: 0, 1: 6, 2: 6, int(array[0, 0, 2]): 10}
    mapped = apply_mapping(source, mapping)
    assert mapped.GetPixelID() == sitk.sitkUInt8
    assert mapped.GetSpacing() == source.GetSpacing() and mapped.GetDirection() == source.GetDirection()
    assert mapped.GetOrigin() == source.GetOrigin()
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(mapped)[0, 0, :4], [6, 6, 10, 0])


def test_apply_mapping_negative_values_and_errors(synth):
    array = np.zeros((2, 2, 2), np.int16)
    array[0, 0, 0] = -1
    mapped = apply_mapping(synth.to_image(array), {-1: 0, 0: 0})
    assert sitk.GetArrayViewFromImage(mapped).max() == 0
    with pytest.raises(InvalidInputError, match=r"label values \[-1\] have no mapping"):
        apply_mapping(synth.to_image(array), {0: 0})
    fractional = synth.to_image(np.full((2, 2, 2), 1.5, np.float32))
    with pytest.raises(InvalidInputError, match="whole numbers"):
        apply_mapping(fractional, {1: 1})
