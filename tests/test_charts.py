"""The chart model (boligsosial/charts/model.py), its builders and its one renderer (the SVG).

First the model: which points a line joins (gaps, bounds, method changes, snapshots), what its
key says, how a warehouse row becomes a point. Then the renderer against the model: every
segment the model has is a polyline and there are no others, bounds are arrows, breaks are
rules, missing periods are labelled, the key and the unit are in every drawing, and the SVG is
well-formed and escaped. All numbers here are made up (TEST DATA)."""
from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from boligsosial.charts import alt_text, build, svg, svg_axis, svg_canvas
from boligsosial.charts.model import Band, Break, Chart, Point, Series, Target, position
from boligsosial.charts.style import BACKGROUND, INK, MUTED, STYLES, style
from boligsosial.text.numbers import NBSP

NS = "{http://www.w3.org/2000/svg}"
INDICATOR = {"id": "homeless", "unit": "persons", "decimals": 0, "unit_label_nb": "personer", "unit_label_en": "persons",
             "title_nb": "Bostedsløse", "title_en": "Homeless people", "joined": True}


def _row(period, value, qualifier="", status="", **more):
    return {"period": period, "value": value, "qualifier": qualifier, "status": status if value is None else "",
            "confidence": "H", **build.unit_fields(INDICATOR), **more}


# A survey series: a derived 2003, a missing 2008, an "under" bound in 2016, not yet published 2024.
ROWS = {
    "1996": _row("1996", 9100, "approx"),
    "2003": _row("2003", 8200, "approx", derived=True, derivation_nb="TEST: 2005 minus 300"),
    "2005": _row("2005", 8500),
    "2008": _row("2008", None, status=".."),
    "2012": _row("2012", 7777),
    "2016": _row("2016", 5555, "lt"),
    "2020": _row("2020", 3333),
    "2024": _row("2024", None, status="..."),
}


def _chart(rows=ROWS, lang="nb", **kwargs) -> Chart:
    title = INDICATOR[f"title_{lang}"]
    return build.time_chart(INDICATOR, title, lang, [(title, rows)], **kwargs)


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # raises on anything that is not well-formed XML


def _all(root: ET.Element, tag: str) -> list[ET.Element]:
    return list(root.iter(NS + tag))


def _texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in _all(root, "text")]


# ------------------------------------------------------------------------------ palette


def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("look", STYLES)
def test_every_series_colour_has_3_to_1_contrast_on_the_background(look):
    assert contrast(look.colour, BACKGROUND) >= 3.0


def test_text_colours_meet_4_5_to_1():
    assert contrast(INK, BACKGROUND) >= 4.5 and contrast(MUTED, BACKGROUND) >= 4.5


def test_series_differ_by_more_than_colour():
    for attribute in ("colour", "dash", "symbol"):
        values = [getattr(look, attribute) for look in STYLES]
        assert len(set(values)) == len(values), attribute
    patterns = [look.pattern for look in STYLES]
    assert len(set(patterns)) == len(patterns) and patterns[0] == ""  # the first bar series is solid
    assert style(len(STYLES)) == STYLES[0]


# ------------------------------------------------------------------------------ the model


def test_rows_become_points_as_every_chart_shows_them():
    points = {p.x: p for p in _chart().series[0].points}
    assert points["1996"].label == f"ca. 9{NBSP}100" and points["1996"].exact
    assert points["2003"].flagged and points["2003"].text == f"ca. 8{NBSP}200*"
    assert "Beregnet tall: TEST: 2005 minus 300" in points["2003"].hover
    assert points["2008"].missing and points["2008"].label == "Tall mangler" and not points["2008"].text.endswith("*")
    assert points["2016"].bound == "lt" and not points["2016"].exact and points["2016"].label == f"under 5{NBSP}555"
    assert points["2024"].label == "Ikke tilgjengelig ennå"


def test_a_line_joins_only_exact_neighbours():
    chart = _chart()
    runs = [[p.x for p in run] for run in chart.segments(chart.series[0])]
    # 2008 is missing and 2016 only a bound: the line stops at both, and nothing joins 2020 alone.
    assert runs == [["1996", "2003", "2005"]]
    assert chart.periods == ("1996", "2003", "2005", "2008", "2012", "2016", "2020", "2024")


def test_no_line_crosses_a_method_change_or_joins_snapshots():
    rows = {p: _row(p, v) for p, v in [("2010", 10), ("2011", 11), ("2012", 12), ("2013", 13)]}
    broken = _chart(rows, breaks=[Break("2012", "TEST: new method.")])
    assert [[p.x for p in run] for run in broken.segments(broken.series[0])] == [["2010", "2011"], ["2012", "2013"]]
    # A change between two points on the axis, at a period that is not one of them, breaks too.
    between = _chart({p: rows[p] for p in ("2010", "2013")}, breaks=[Break("2012", "TEST")])
    assert between.segments(between.series[0]) == []
    snapshots = build.time_chart({**INDICATOR, "joined": False}, "T", "nb", [("T", rows)])
    assert snapshots.segments(snapshots.series[0]) == []
    assert [e.mark for e in snapshots.key()] == ["snapshot"]


def test_a_break_outside_the_periods_shown_is_left_out():
    rows = {p: _row(p, v) for p, v in [("2010", 10), ("2011", 11)]}
    assert _chart(rows, breaks=[Break("2020", "TEST")]).breaks == ()


def test_the_key_says_what_each_mark_on_the_chart_means():
    chart = _chart(bands=[Band(1990, 1995, "TEST før"), Band(2014, 2020, "TEST strategi A")], breaks=[Break("2012", "TEST.")])
    key = chart.key()
    assert [e.mark for e in key] == ["flag", "bound", "break", "band"]  # the band outside the axis is not there
    assert "sekundærkilde" in key[0].text and "«under»" in key[1].text
    assert key[2].text == "Stiplet loddrett strek: brudd i serien fra 2012. TEST."
    assert key[3].text == "TEST strategi A (2014–2020)" and key[3].colour.startswith("rgba(")
    plain = _chart({p: _row(p, v) for p, v in [("2010", 10), ("2011", 11)]})
    assert plain.key() == []


def test_several_series_share_the_axis_and_each_keeps_its_own_gaps():
    chart = build.time_chart(INDICATOR, "T", "nb", [("A", {"2010": _row("2010", 1), "2011": _row("2011", 2)}),
                                                    ("B", {"2011": _row("2011", 3)})])
    assert chart.periods == ("2010", "2011")
    # B has no row for 2010 at all: nothing is drawn or said for it (no figure is missing either).
    assert [(p.value, p.label) for p in chart.series[1].points] == [(None, ""), (3, "3")]
    assert chart.alt == "Linjediagram: T (A) 2010–2011, opp fra 1 til 2. T (B): 3 i 2011."


# ------------------------------------------------------------------------------ text alternatives


def test_alt_text_for_a_line_says_span_direction_and_gaps():
    assert _chart().alt == (f"Linjediagram: bostedsløse 1996–2020, ned fra ca. 9{NBSP}100 til 3{NBSP}333. "
                            "Tall mangler for 2008 og 2024.")
    assert _chart(lang="en").alt.startswith("Line chart: homeless people 1996–2020, down from about 9,100 to 3,333.")


def test_alt_text_gives_no_direction_for_figures_that_are_not_a_series():
    rows = {p: _row(p, v) for p, v in [("2020", 19.3), ("2023", 25.7)]}
    chart = build.time_chart({**INDICATOR, "joined": False}, "Andel", "nb", [("Andel", rows)])
    assert "opp" not in chart.alt and "kan ikke leses som en utvikling" in chart.alt


def test_consecutive_missing_years_are_one_span_in_the_alt_text():
    rows = {str(y): _row(str(y), None if 2013 <= y <= 2016 else y, status="..") for y in range(2010, 2019)}
    assert "Tall mangler for 2013–2016." in _chart(rows).alt


def test_alt_text_for_bars_and_estimates():
    bars = build.bar_chart(INDICATOR, "Eierform", "nb", ["Leier", "Borettslag", "Selveier"],
                           [("2011", {"Leier": _row("2011", 45001), "Borettslag": _row("2011", 15000),
                                      "Selveier": _row("2011", None, status=":")})], period_text="2011")
    assert bars.alt == (f"Stolpediagram, 2011: eierform, 2 grupper. Høyest: Leier (45{NBSP}001). "
                        f"Lavest: Borettslag (15{NBSP}000). Tall mangler for Selveier.")
    estimates = build.estimate_chart(INDICATOR, "Anslag", "nb", [("SSB 2011", _row("2011", 122077)),
                                                                ("Strategi", _row("2020", 179000, "approx"))],
                                     [("SSB 2017", _row("2015", 177000), _row("2015", 282400))])
    assert estimates.alt.startswith(f"Punktdiagram: 3 anslag for anslag 2011–2020, fra 122{NBSP}077 (SSB 2011) til "
                                    f"282{NBSP}400 (SSB 2017).")
    assert "ikke en utvikling over tid" in estimates.alt
    assert alt_text  # the module the builders write them with


# ------------------------------------------------------------------------------ the SVG against the model


def test_a_chart_is_well_formed_and_named_for_assistive_technology():
    root = _parse(svg.render(_chart()))
    assert root.tag == NS + "svg" and root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-title chart-desc"
    assert root.find(NS + "title").text == "Bostedsløse"
    assert root.find(NS + "desc").text == _chart().alt
    assert re.fullmatch(r"0 0 720 \d+", root.get("viewBox"))


def test_every_segment_of_the_model_is_one_polyline_and_there_are_no_others():
    chart = _chart()
    root = _parse(svg.render(chart))
    lines = [line for line in _all(root, "polyline")]
    assert len(lines) == len(chart.segments(chart.series[0])) == 1
    assert len(lines[0].get("points").split()) == 3  # 1996, 2003, 2005


def test_a_bound_is_an_arrow_and_a_missing_period_a_label_never_a_point():
    root = _parse(svg.render(_chart()))
    bounds = [g for g in _all(root, "g") if g.get("class") == "bound"]
    assert len(bounds) == 2  # the 2016 figure, and its glyph in the key
    assert bounds[0].find(NS + "title").text.startswith(f"2016: under 5{NBSP}555")
    texts = _texts(root)
    assert "Tall mangler" in texts and "Ikke tilgjengelig ennå" in texts
    markers = [m for m in _all(root, "circle") if m.find(NS + "title") is not None]
    assert len(markers) == 5  # 1996, 2003, 2005, 2012, 2020: the bound and the missing have none
    open_markers = [m for m in markers if m.get("fill") == BACKGROUND]
    assert [m.find(NS + "title").text[:4] for m in open_markers] == ["2003"]  # the derived one


def test_the_unit_the_key_and_the_bands_are_in_the_drawing():
    chart = _chart(bands=[Band(2014, 2020, "TEST strategi A")], breaks=[Break("2012", "TEST-metode.")],
                   target=Target(0, "TEST-nullvisjon"))
    root = _parse(svg.render(chart))
    text = " ".join(_texts(root))
    assert "Personer" in text and "TEST strategi A (2014–2020)" in text and "TEST-metode." in text
    assert "TEST-nullvisjon" in text
    assert [e.get("class") for e in _all(root, "rect") if e.get("class")] == ["band"]
    assert len([e for e in _all(root, "line") if e.get("class") == "series-break"]) == 1
    assert len([e for e in _all(root, "line") if e.get("class") == "target"]) == 1


def test_a_standalone_image_has_title_subtitle_source_and_size():
    frame = svg_canvas.Frame(960, 440, 18, standalone=True, id_prefix="image", title="TEST-tittel",
                             subtitle="Norge · 1996–2024", source="Kilde: TEST")
    root = _parse(svg.render(_chart(), frame))
    texts = _texts(root)
    assert "TEST-tittel" in texts and "Norge · 1996–2024" in texts and "Kilde: TEST" in texts
    assert root.get("width") == "960" and root.get("height") == root.get("viewBox").split()[3]


def test_no_nan_or_infinity_anywhere_even_for_odd_series():
    for rows in ({"2020": _row("2020", None, status="..")}, {"2020": _row("2020", 0)},
                 {"2019": _row("2019", -5), "2020": _row("2020", 1e9)}, {"2020": _row("2020", 7, "gt")}):
        markup = svg.render(_chart(rows))
        assert not re.search(r"nan|inf", markup, re.I)


def test_labels_are_escaped():
    rows = {"2020": _row("2020", 5)}
    markup = svg.render(build.time_chart(INDICATOR, '<script>"x"</script>', "nb", [("a&b", rows), ("c", rows)]))
    assert "<script>" not in markup and "&lt;script&gt;" in markup and "a&amp;b" in markup
    _parse(markup)


def test_bars_match_the_model_and_a_bound_bar_is_open():
    chart = build.bar_chart(INDICATOR, "Etter område", "nb", ["A", "B", "C"],
                            [("2020", {"A": _row("2020", 10), "B": _row("2020", 7, "lt"), "C": _row("2020", None, status=":")})],
                            period_text="2020")
    root = _parse(svg.render(chart))
    bars = [r for r in _all(root, "rect") if r.find(NS + "title") is not None]
    assert [b.find(NS + "title").text.split(":")[0] for b in bars] == ["A, 2020", "B, 2020"]  # none for the suppressed
    assert bars[1].get("fill") == BACKGROUND and bars[1].get("stroke-dasharray")  # a bound: open, dashed
    assert "Skjermet" in _texts(root) and "«under»" in " ".join(_texts(root))


def test_estimates_are_points_and_ranges_never_a_line():
    chart = build.estimate_chart(INDICATOR, "Anslag", "nb", [("A", _row("2011", 120000)), ("B", _row("2019", 170000, "gt"))],
                                 [("C", _row("2015", 177000), _row("2015", 282400))], note="TEST: ulike definisjoner.")
    root = _parse(svg.render(chart))
    assert not _all(root, "polyline")
    assert [t for t in _texts(root) if re.match(r"\d{4}: ", t)] == ["2011: A", "2015: C", "2019: B"]
    assert "TEST: ulike definisjoner." in _texts(root)
    assert len([g for g in _all(root, "g") if g.get("class") == "bound"]) == 2  # B's arrow, and the key's


def test_nothing_to_draw_is_an_image_that_says_why():
    empty = build.time_chart(INDICATOR, "T", "nb", [])
    assert empty.kind == "" and "ingen tall" in empty.notice
    assert "ingen tall" in " ".join(_texts(_parse(svg.render(empty))))


def test_the_narrow_drawing_has_its_own_ids():
    root = _parse(svg.render(_chart(), svg.narrow(svg.WIDE)))
    assert root.get("aria-labelledby") == "chart-narrow-title chart-narrow-desc"


@pytest.mark.parametrize("period, at", [("2020", 2020.0), ("2022-04", 2022.25), ("2022-Q2", 2022.25), ("2022-W27", 2022.5)])
def test_periods_are_placed_in_time(period, at):
    assert math.isclose(position(period), at)


def test_ticks_are_round_and_cover_the_values():
    ticks = svg_axis.nice_ticks(0, 9100)
    assert ticks[0] == 0 and ticks[-1] >= 9100 and len(ticks) <= 7
    assert svg_axis.nice_ticks(0, 1.27)[1] in (0.2, 0.25, 0.5)


def test_a_point_carries_its_hover_text():
    point = build.point(_row("2020", 3333), "2020", "nb", "Norge")
    assert point == Point("2020", 3333.0, f"3{NBSP}333", f"Norge, 2020: 3{NBSP}333 personer", "", False)


def test_series_values_are_the_rows_values():
    chart = _chart()
    assert [p.value for p in chart.series[0].points] == [9100, 8200, 8500, None, 7777, 5555, 3333, None]
    assert isinstance(chart.series[0], Series)


def test_a_run_of_missing_years_is_labelled_once_and_separate_runs_each_once():
    years = {str(y): _row(str(y), None if y in (2005, 2006, 2013, 2014, 2015) else y, status="..") for y in range(2004, 2017)}
    labels = [t for t in _texts(_parse(svg.render(_chart(years)))) if t == "Tall mangler"]
    assert len(labels) == 2  # 2005–2006 and 2013–2015: one label each, not one across the figures between


def test_value_labels_stay_inside_a_phone_sized_drawing():
    # An "over" bound in the last period, as Oslo's start loans in 2021: its label used to run
    # past the right edge on a phone ("over 7 0…").
    rows = {"2014": _row("2014", 8800), "2016": _row("2016", 7000, "lt"), "2020": _row("2020", 7000, "gt"),
            "2021": _row("2021", 555)}
    root = _parse(svg.render(_chart(rows), svg.NARROW))
    width = float(root.get("viewBox").split()[2])
    labels = [t for t in _all(root, "text") if t.get("font-weight") != "bold" and t.get("aria-hidden") != "true"
              and re.search(r"\d", t.text or "") and t.get("transform") is None]
    assert any("over" in (t.text or "") for t in labels)
    for label in labels:
        x, size = float(label.get("x")), float(label.get("font-size") or svg.NARROW.font)
        span = svg_canvas.text_width(label.text, size)
        left = {"end": x - span, "middle": x - span / 2}.get(label.get("text-anchor"), x)
        assert 0 <= left and left + span <= width, (label.text, left, span, width)
