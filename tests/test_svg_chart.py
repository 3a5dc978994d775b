"""Server-side SVG charts (boligsosial/svg_chart.py): well-formed, accessible, drawing exactly
the points given (missing ones as labelled gaps, never 0), and escaping every text."""
from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from boligsosial import svg_chart
from boligsosial.figures import STYLES, Point, Series

NS = "{http://www.w3.org/2000/svg}"

# Made-up numbers (TEST DATA): a gap in 2008, a flagged 2003.
POINTS = (
    Point("1996", 9100.0, "ca. 9 100"),
    Point("2003", 8200.0, "ca. 8 200", "2003: ca. 8 200 (derived)", True),
    Point("2005", 8500.0, "8 500"),
    Point("2008", None, "Tall mangler"),
    Point("2012", 7777.0, "7 777"),
    Point("2020", 3333.0, "3 333"),
)


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on anything that is not well-formed XML


def _all(root: ET.Element, tag: str) -> list[ET.Element]:
    return list(root.iter(NS + tag))


def _texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in _all(root, "text")]


def _line(points=POINTS, frame=svg_chart.WIDE, **kwargs) -> ET.Element:
    return _parse(svg_chart.line_over_time([Series("TEST", tuple(points))], "nb", frame=frame, title="T", desc="D",
                                           **kwargs))


def test_a_line_chart_is_well_formed_and_named_for_assistive_technology():
    root = _line()
    assert root.tag == NS + "svg" and root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-title chart-desc"
    assert root.find(NS + "title").get("id") == "chart-title" and root.find(NS + "title").text == "T"
    assert root.find(NS + "desc").text == "D"
    assert re.fullmatch(r"0 0 720 \d+", root.get("viewBox"))


def test_the_line_breaks_at_a_missing_value_and_labels_it():
    root = _line()
    lines = _all(root, "polyline")
    runs = [[tuple(map(float, xy.split(","))) for xy in line.get("points").split()] for line in lines]
    assert [len(run) for run in runs] == [3, 2]  # 1996–2005, then 2012–2020: no segment through 2008
    # The left run ends before the gap, the right run starts after it.
    assert runs[0][-1][0] < runs[1][0][0]
    assert "Tall mangler" in _texts(root)
    markers = [m for m in root.iter() if m.find(NS + "title") is not None and m.tag != NS + "svg"]
    assert len(markers) == 5  # one per value, none for the missing year


def test_points_sit_at_their_values_and_their_periods():
    root = _line()
    run = [tuple(map(float, xy.split(","))) for xy in _all(root, "polyline")[0].get("points").split()]
    (x96, y96), (x03, y03), (x05, y05) = run
    # Higher values are higher up (smaller y); uneven gaps between years stay uneven.
    assert y96 < y05 < y03
    assert (x03 - x96) / (x05 - x03) == pytest.approx(7 / 2, rel=0.01)
    # The zero line is at the bottom: the axis starts at 0, never at the lowest value.
    zero_label = next(t for t in _all(root, "text") if t.text == "0")
    assert float(zero_label.get("y")) > max(y96, y03, y05)


def test_every_value_is_written_and_hover_titles_carry_the_full_text():
    root = _line()
    texts = _texts(root)
    for label in ("ca. 9 100", "ca. 8 200*", "8 500", "7 777", "3 333"):
        assert label in texts
    titles = [t.text for t in _all(root, "title")]
    assert "2003: ca. 8 200 (derived)" in titles


def test_a_flagged_point_is_drawn_open():
    root = _line()
    marker = next(m for m in root.iter() if (m.find(NS + "title") is not None)
                  and m.find(NS + "title").text.startswith("2003"))
    assert marker.get("fill") == "#ffffff" and marker.get("stroke") == STYLES[0].colour


def test_no_nan_or_infinity_anywhere_even_for_odd_series():
    odd = [
        (Point("2020", None, "Tall mangler"),),  # nothing to draw
        (Point("2020", 5.0, "5"),),  # one point
        (Point("2019", 0.0, "0"), Point("2020", 0.0, "0")),  # all zero
        (Point("2019", -3.5, "-3,5"), Point("2020", 2.0, "2")),  # below zero
    ]
    for points in odd:
        svg = svg_chart.line_over_time([Series("TEST", points)], "nb")
        assert "nan" not in svg.lower() and "inf" not in svg.lower()
        _parse(svg)
        svg = svg_chart.bars_by_category([p.x for p in points], [Series("TEST", tuple(
            Point(p.x, p.y, p.label) for p in points))], "nb")
        assert "nan" not in svg.lower() and "inf" not in svg.lower()
        _parse(svg)


def test_labels_are_escaped():
    evil = '<script>alert("x")</script> & </svg>'
    svg = svg_chart.bars_by_category([evil], [Series(evil, (Point(evil, 1.0, evil, evil),))], "nb",
                                     title=evil, desc=evil)
    assert "<script>" not in svg and "</svg> &" not in svg
    root = _parse(svg)
    assert evil in _texts(root) or any(evil in t for t in _texts(root))
    assert root.find(NS + "title").text == evil


def test_bars_match_the_data_and_a_missing_value_gets_no_bar():
    categories = ["Under 25 år", "25 år og over", "Skjult"]
    points = (Point("Under 25 år", 1111.0, "1 111"), Point("25 år og over", 2222.0, "2 222"),
              Point("Skjult", None, "Skjermet"))
    root = _parse(svg_chart.bars_by_category(categories, [Series("TEST", points)], "nb"))
    bars = [r for r in _all(root, "rect") if r.find(NS + "title") is not None]
    assert len(bars) == 2
    widths = [float(b.get("width")) for b in bars]
    assert widths[1] / widths[0] == pytest.approx(2.0, rel=0.01)  # bar length proportional to value
    texts = _texts(root)
    assert {"1 111", "2 222", "Skjermet"} <= set(texts)
    assert [t for t in texts if t in categories] == categories  # top to bottom in the order given


def test_several_series_have_a_legend_and_their_own_pattern():
    series = [Series("2012", (Point("A", 1.0, "1"), Point("B", 2.0, "2"))),
              Series("2020", (Point("A", 3.0, "3"),))]  # 2020 has no B at all: left out, not "missing"
    root = _parse(svg_chart.bars_by_category(["A", "B"], series, "nb"))
    texts = _texts(root)
    assert "2012" in texts and "2020" in texts  # legend
    assert "3 (2020)" in texts and not any("(2020)" in t and "B" in t for t in texts)
    patterns = _all(root, "pattern")
    assert len(patterns) == 1
    bars = [r for r in _all(root, "rect") if r.find(NS + "title") is not None]
    assert [b.get("fill") for b in bars].count(f"url(#{patterns[0].get('id')})") == 1


def test_a_standalone_image_has_its_title_source_and_size_written_in():
    frame = svg_chart.IMAGE.__class__(**{**svg_chart.IMAGE.__dict__, "title": "Bostedsløse (TEST)",
                                         "source": "Kilde: Testinstituttet, TEST DATA"})
    root = _line(frame=frame)
    texts = _texts(root)
    assert "Bostedsløse (TEST)" in texts and "Kilde: Testinstituttet, TEST DATA" in texts
    assert root.get("width") == "960" and root.get("height") == root.get("viewBox").split()[3]


def test_ticks_are_round_and_cover_the_values():
    ticks = svg_chart.nice_ticks(0, 9100 * 1.08)
    assert ticks[0] == 0 and ticks[-1] >= 9100 and len(ticks) <= 7
    steps = {round(b - a, 6) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1 and math.log10(steps.pop()) % 1 in (0, pytest.approx(math.log10(2)), pytest.approx(math.log10(5)), pytest.approx(math.log10(2.5)))


@pytest.mark.parametrize("period, position", [("2020", 2020), ("2022-04", 2022.25), ("2022-Q2", 2022.25),
                                               ("2022-W27", 2022.5)])
def test_periods_are_placed_in_time(period, position):
    assert svg_chart.period_position(period) == pytest.approx(position)


def test_the_narrow_version_has_its_own_ids():
    frame = svg_chart.narrow(svg_chart.WIDE)
    root = _line(frame=frame)
    assert root.get("viewBox").startswith("0 0 360 ") and root.find(NS + "title").get("id") == "chart-narrow-title"


def test_value_labels_of_several_series_do_not_cover_each_other():
    same = (Point("2012", 50.0, "50"), Point("2016", 51.0, "51"), Point("2020", 50.0, "50"))
    root = _parse(svg_chart.line_over_time([Series("A", same), Series("B", same)], "nb"))
    labels = [t for t in _all(root, "text") if t.text in ("50", "51") and t.get("aria-hidden") is None]
    positions = [(t.get("x"), t.get("y")) for t in labels]
    assert labels and len(positions) == len(set(positions))
    # Both series' first and last values are written, the second's beside the first's or left out.
    assert 2 <= len(labels) <= 4
