"""The figure builders (boligsosial/figures.py): contrast and distinctness of the palette, gaps
that stay gaps, labels written on the charts, language-specific number format, and no plotly
toolbar or zoom to stumble into."""
from __future__ import annotations

import json

import pytest

from boligsosial import figures
from boligsosial.figures import AxisFormat, Band, Estimate, EstimateRange, Point, Series, Target


def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def _series(values, name="Bostedsløse", labels=None):
    labels = labels or [("Tall mangler" if v is None else str(v)) for v in values]
    return Series(name, tuple(Point(1996 + 4 * i, v, label) for i, (v, label) in enumerate(zip(values, labels))))


# ------------------------------------------------------------------------------ palette


@pytest.mark.parametrize("style", figures.STYLES)
def test_every_series_colour_has_3_to_1_contrast_on_the_background(style):
    assert contrast(style.colour, figures.BACKGROUND) >= 3.0


def test_text_colours_meet_4_5_to_1():
    for colour in (figures.INK, figures.MUTED):
        assert contrast(colour, figures.BACKGROUND) >= 4.5


def test_series_differ_by_more_than_colour():
    for attribute in ("colour", "dash", "symbol"):
        values = [getattr(style, attribute) for style in figures.STYLES]
        assert len(set(values)) == len(values), attribute
    patterns = [style.pattern for style in figures.STYLES]
    assert len(set(patterns)) == len(patterns) and patterns[0] == ""  # the first bar series is solid


def test_styles_cycle_past_the_end():
    assert figures.style(len(figures.STYLES)) == figures.STYLES[0]


# ------------------------------------------------------------------------------ line over time


def test_a_missing_value_is_a_gap_with_a_label_never_zero():
    figure = figures.line_over_time([_series([9100, None, 3333])], "nb")
    trace = figure.data[0]
    assert list(trace.y) == [9100, None, 3333]
    assert trace.connectgaps is False
    gaps = [a for a in figure.layout.annotations if a.text == "Tall mangler"]
    assert len(gaps) == 1 and gaps[0].x == 2000 and gaps[0].textangle == -90


def test_consecutive_missing_years_share_one_label():
    figure = figures.line_over_time([_series([1, None, None, None, 5])], "nb")
    gaps = [a for a in figure.layout.annotations if a.text == "Tall mangler"]
    assert len(gaps) == 1 and gaps[0].x == 2004  # the middle of 2000-2008


def test_a_single_series_has_its_first_and_last_values_written_on_it():
    figure = figures.line_over_time([_series([9100, 7777, 3333], labels=["ca. 9 100", "7 777", "3 333"])], "nb")
    texts = {a.text for a in figure.layout.annotations}
    assert {"ca. 9 100", "3 333"} <= texts and "7 777" not in texts


def test_several_series_are_named_at_their_ends_instead_of_a_legend():
    figure = figures.line_over_time([_series([1, 2], "Oslo"), _series([3, 4], "Bergen")], "nb")
    assert figure.layout.showlegend is False
    texts = [a.text for a in figure.layout.annotations]
    assert "Oslo: 2" in texts and "Bergen: 4" in texts
    assert figure.data[0].line.dash != figure.data[1].line.dash
    assert figure.data[0].marker.symbol != figure.data[1].marker.symbol


def test_flagged_points_are_open_markers():
    series = Series("x", (Point(2003, 8200, "8 200", flagged=True), Point(2005, 8500, "8 500")))
    marker = figures.line_over_time([series], "nb").data[0].marker
    assert list(marker.color) == [figures.BACKGROUND, figures.STYLES[0].colour]


def test_strategy_bands_and_a_target_line():
    bands = [Band(2014, 2020, "A", "national"), Band(2021, 2024, "B", "national"), Band(2001, 2004, "F", "forerunner")]
    figure = figures.line_over_time([_series([1, 2, 3])], "nb", bands=bands, target=Target(0, "Nullvisjon"))
    rects = [s for s in figure.layout.shapes if s.type == "rect"]
    assert [(r.x0, r.x1) for r in rects] == [(2013.5, 2020.5), (2020.5, 2024.5), (2000.5, 2004.5)]
    assert rects[0].fillcolor != rects[1].fillcolor  # neighbours of one kind differ
    assert [r.fillcolor for r in rects] == figures.band_colours(bands)  # as the card's legend shows them
    lines = [s for s in figure.layout.shapes if s.type == "line"]
    assert len(lines) == 1 and lines[0].y0 == 0 and lines[0].line.dash == "dash"
    assert any(a.text == "Nullvisjon" for a in figure.layout.annotations)


@pytest.mark.parametrize(("lang", "separators"), [("nb", ",\u00a0"), ("en", ".,")])
def test_numbers_follow_the_language(lang, separators):
    figure = figures.line_over_time([_series([1])], lang)
    assert figure.layout.separators == separators


def test_figures_are_static_and_carry_no_default_template():
    figure = figures.line_over_time([_series([1, 2])], "nb")
    assert figure.layout.dragmode is False
    assert figure.layout.xaxis.fixedrange and figure.layout.yaxis.fixedrange
    # plotly's default template would add 7 kB of styling to every figure in the page
    assert len(json.dumps(figure.to_plotly_json()["layout"].get("template", {}))) < 200


def test_a_note_is_written_on_the_chart():
    figure = figures.line_over_time([_series([1, 2])], "nb", note="Kategoriene er ikke de samme i alle år.")
    assert any("Kategoriene er ikke" in a.text for a in figure.layout.annotations)
    assert figure.layout.margin.t > 16


@pytest.mark.parametrize(
    ("unit", "decimals", "lang", "expected"),
    [
        ("persons", 0, "nb", AxisFormat(",d", "")),
        ("per_1000", 2, "nb", AxisFormat(",.2~f", "")),
        ("percent", 0, "nb", AxisFormat(",d", "\u00a0%")),
        ("percent", 1, "en", AxisFormat(",.1~f", "%")),
    ],
)
def test_axis_format(unit, decimals, lang, expected):
    assert figures.axis_format(unit, decimals, lang) == expected


# ------------------------------------------------------------------------------ bars


def test_bars_write_their_values_and_leave_a_missing_one_out():
    categories = ["Leier", "Selveier", "Borettslag"]
    series = Series("Personer", (Point("Leier", 45001, "45 001"), Point("Selveier", None, "Skjermet"),
                                 Point("Borettslag", 15000, "15 000*", flagged=False)))
    figure = figures.bar_by_category(categories, [series], "nb")
    bar = figure.data[0]
    assert list(bar.x) == [45001, 15000] and bar.orientation == "h"
    assert list(bar.text) == ["45 001", "15 000*"]
    assert any(a.text == "Skjermet" for a in figure.layout.annotations)  # no bar, the symbol's meaning
    names = [a.text for a in figure.layout.annotations if a.xref == "paper"]
    assert names == categories  # category names above their bars, in order


def test_bars_side_by_side_have_patterns_and_name_themselves():
    series = [Series("2012", (Point("Kvinner", 31, "31 %"),)), Series("2020", (Point("Kvinner", 28, "28 %"),))]
    figure = figures.bar_by_category(["Kvinner"], series, "nb")
    assert figure.data[0].marker.pattern is None or figure.data[0].marker.pattern.shape in (None, "")
    assert figure.data[1].marker.pattern.shape == figures.STYLES[1].pattern
    assert list(figure.data[0].text) == ["2012: 31 %"] and list(figure.data[1].text) == ["2020: 28 %"]


def test_bar_charts_grow_with_their_categories_and_wrap_long_names():
    short = figures.bar_chart_height(["a"] * 3, 1)
    assert figures.bar_chart_height(["a"] * 6, 1) > short
    assert figures.bar_chart_height(["a"] * 3, 2) > short
    long_name = "Over 39 999 innbyggere, utenom de fire største byene"
    figure = figures.bar_by_category([long_name], [Series("x", (Point(long_name, 1, "1"),))], "nb")
    label = next(a.text for a in figure.layout.annotations if a.xref == "paper")
    assert "<br>" in label and label.replace("<br>", " ") == long_name
    assert figure.layout.height == figures.bar_chart_height([long_name], 1)


# ------------------------------------------------------------------------------ estimates


def test_estimates_are_separate_rows_never_joined_by_a_line():
    points = [Estimate(2011, 122077, "SSB 2011", "122 077"), Estimate(2020, 179000, "Strategi 2020", "ca. 179 000", flagged=True)]
    ranges = [EstimateRange(2015, 177000, 282400, "SSB 2017", "177 000–282 400")]
    figure = figures.estimates(points, "nb", ranges=ranges, note="Ulike definisjoner")
    singles = [trace for trace in figure.data if len(trace.x) == 1]
    assert len(singles) == 2  # every estimate its own trace with one point: nothing to read as a trend
    spread = next(trace for trace in figure.data if len(trace.x) == 2)
    assert list(spread.x) == [177000, 282400] and spread.y[0] == spread.y[1]
    names = [a.text for a in figure.layout.annotations if a.xref == "paper" and a.yref != "paper"]
    assert names == ["2011: SSB 2011", "2015: SSB 2017: 177 000–282 400", "2020: Strategi 2020"]  # oldest first
    flagged = next(trace for trace in figure.data if trace.name == "Strategi 2020")
    assert flagged.marker.color == figures.BACKGROUND  # the flagged one is open
    assert list(flagged.text) == ["ca. 179 000*"]
    assert any(a.text == "Ulike definisjoner" for a in figure.layout.annotations)
    assert figure.layout.xaxis.range[0] == 0  # distances between the dots are true
