"""Classing for the choropleth maps (boligsosial/charts/classes.py): classes cover every value
as it is written, bounds are plain numbers, the palette is ordered and distinct."""
from __future__ import annotations

import random

import pytest

from boligsosial.charts import classes as cl
from boligsosial.charts.classes import classify, shown_value
from tests.test_charts import _luminance, contrast


def _covered(values, decimals):
    result = classify(values, decimals)
    shown = [shown_value(v, decimals) for v in values]
    assert all(result.index(v) is not None for v in values), "a value falls in no class"
    assert result.classes[0].low == min(shown) and result.classes[-1].high == max(shown)
    step = 10.0 ** -decimals
    for below, above in zip(result.classes, result.classes[1:]):
        assert below.high < above.low
        assert shown_value(below.high + step, decimals) == above.low, "a gap between two classes"
    for one in result.classes:  # every class has a value in it
        assert any(one.low <= v <= one.high for v in shown)
    return result


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("decimals", [0, 1, 2])
def test_classes_cover_every_value_without_gaps(seed, decimals):
    rng = random.Random(seed)
    values = [rng.lognormvariate(2, 0.8) * 10 ** rng.randint(-1, 2) for _ in range(rng.randint(6, 400))]
    result = _covered(values, decimals)
    assert 2 <= len(result.classes) <= 5


def test_quantile_classes_hold_about_as_many_regions_each():
    rng = random.Random(1)
    values = [rng.lognormvariate(2, 0.6) for _ in range(357)]
    result = _covered(values, 1)
    counts = [sum(result.index(v) == n for v in values) for n in range(len(result.classes))]
    assert len(counts) == 5 and min(counts) > 357 / 5 * 0.6, counts


def test_bounds_are_rounded_to_two_significant_digits():
    rng = random.Random(2)
    values = [rng.uniform(1000, 90000) for _ in range(300)]
    result = _covered(values, 0)
    for one in result.classes[1:]:
        assert one.low % 100 == 0 or one.low < 1000, one.low


def test_few_distinct_values_get_a_class_each():
    result = classify([3, 1, 2, 2, 3], 0)
    assert [(c.low, c.high) for c in result.classes] == [(1, 1), (2, 2), (3, 3)]
    assert result.texts("nb") == ["1", "2", "3"]
    assert [c.colour for c in result.classes] == list(cl.PALETTES[3])


def test_a_value_is_classed_as_it_is_written():
    """14.96 is written 15,0 with one decimal, so it must sit in the class that starts at 15,0."""
    values = [1.0, 5.0, 9.9, 12.0, 14.96, 15.0, 18.0, 22.0, 30.0, 41.0]
    result = classify(values, 1)
    assert result.index(14.96) == result.index(15.0)
    assert shown_value(0.625, 2) == 0.63 and shown_value(-2.5, 0) == -3


def test_class_texts_use_the_language_number_format():
    values = [1200.5, 5000.0, 12000.0, 25000.0, 48000.0, 60000.0, 71000.0, 99000.5]
    result = classify(values, 1)
    nb, en = result.texts("nb"), result.texts("en")
    assert "\u00a0" in nb[-1] and "," in nb[-1]  # 99 000,5
    assert en[-1].endswith("99,000.5")
    assert all("\u2013" in text for text in nb)


def test_negative_ranges_are_spaced():
    result = classify([-5, -3, -1, 0, 2, 4, 8, 9], 0)
    assert result.texts("nb")[0] == "-5 \u2013 -2"


def test_no_values_no_classes_and_outside_values_have_no_class():
    assert classify([], 0).classes == ()
    result = classify([1, 2, 3, 4, 5, 6, 7], 0)
    assert result.index(100) is None and result.colour(100) is None


def test_palettes_run_light_to_dark_and_are_distinct():
    for count, colours in cl.PALETTES.items():
        assert len(colours) == count == len(set(colours))
        lights = [_luminance(c) for c in colours]
        assert lights == sorted(lights, reverse=True), colours
    five = cl.PALETTES[5]
    for lighter, darker in zip(five, five[1:]):
        assert contrast(lighter, darker) >= 1.25, (lighter, darker)  # neighbouring classes are told apart
