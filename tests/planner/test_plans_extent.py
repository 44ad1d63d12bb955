import pytest

from thigh_planner.plans import FingerprintSummary, PlansError, build_plans, plans_from_dict


def _summary(extent):
    return FingerprintSummary(20, (0.8, 0.8, 1.5), {"0.5": -60.0, "99.5": 140.0}, 45.0, 25.0, 320.0, extent)


def test_default_crop_covers_the_labels_along_the_femur():
    plans = build_plans(_summary((-180.0, 245.0)), "D")
    # 425 mm of labels + 2 x 10 mm margin = 445, rounded up to a multiple of 16 mm
    assert plans.field_of_view_mm == (256.0, 256.0, 448.0)
    assert plans.crop_offset_mm == pytest.approx(32.5)
    assert plans.crop_shape == (224, 128, 128)


def test_paper_crop_stays_fixed_and_centred():
    plans = build_plans(_summary((-180.0, 245.0)), "D", preset="paper")
    assert plans.field_of_view_mm == (256.0, 256.0, 360.0)
    assert plans.crop_offset_mm == 0.0


def test_unknown_extent_keeps_the_preset_field_of_view():
    plans = build_plans(_summary(None), "D")
    assert plans.field_of_view_mm == (256.0, 256.0, 360.0)
    assert plans.crop_offset_mm == 0.0


def test_reversed_extent_is_rejected():
    with pytest.raises(PlansError, match="label_extent_mm: expected \\(distal, proximal\\)"):
        build_plans(_summary((100.0, -100.0)), "D")


def test_crop_offset_round_trips_and_can_be_overridden():
    plans = build_plans(_summary((-180.0, 245.0)), "D", overrides={"crop_offset_mm": -5.0})
    assert plans.crop_offset_mm == -5.0
    assert plans_from_dict(plans.to_dict()) == plans
