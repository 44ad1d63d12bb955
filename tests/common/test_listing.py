import numpy as np

from thigh_common.listing import listed


def test_a_short_list_is_written_whole():
    assert listed(["a", "b"], 2) == "a, b"
    assert listed([], 3) == ""


def test_a_long_list_shows_the_first_items_and_the_count():
    assert listed(["a", "b", "c", "d"], 2) == "a, b, ... (4 in all)"


def test_only_the_shown_items_are_written():
    written = []
    text = listed(np.arange(1_000_000), 3, lambda value: written.append(value) or f"{value:g}")
    assert (text, len(written)) == ("0, 1, 2, ... (1000000 in all)", 3)
