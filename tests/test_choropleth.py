"""The server-drawn choropleth map (boligsosial/charts/choropleth.py): every region a link with
a title, colours that match the legend's classes, missing and suppressed values hatched and
named, Norway marked, the inset, the attribution, well-formed SVG without script, and the size
budgets. The values are made up here (test data, never shown to users)."""
from __future__ import annotations

import gzip
import io
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import cairosvg
import pytest
from PIL import Image

from boligsosial.charts import choropleth as ch
from boligsosial.charts.classes import PALETTES
from boligsosial.text.i18n import t
from tests.test_charts import contrast

NS = "{http://www.w3.org/2000/svg}"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "maps"
GEOMETRIES = [(structure, level) for structure in ("2020", "2024") for level in ("county", "municipality")]
UNIT = "per 1 000 innbyggere"


def made_up_values(geometry: ch.Geometry, seed: int = 7) -> dict[str, ch.MapValue]:
    """One value per region with one decimal, some missing (..), suppressed (:) and flagged."""
    rng = random.Random(seed)
    values = {}
    for number, code in enumerate(geometry.regions):
        if number % 17 == 3:
            values[code] = ch.MapValue(None, "..")
        elif number % 19 == 5:
            values[code] = ch.MapValue(None, ":")
        else:
            values[code] = ch.MapValue(round(rng.lognormvariate(2.5, 0.4), 1), flagged=number % 23 == 0,
                                       qualifier="approx" if number % 29 == 0 else "")
    return values


def href(code: str) -> str:
    return f"/kommuner?region={code}&indicator=municipal_dwellings_per_1000"


def render(structure="2024", level="county", values=None, **options):
    geometry = ch.load_geometry(structure, level)
    values = made_up_values(geometry) if values is None else values
    defaults = dict(href=href, unit=UNIT, title="Kommunale boliger (testdata)", year="2024", decimals=1,
                    norway=ch.MapValue(13.4))
    return geometry, values, ch.choropleth(geometry, values, **{**defaults, **options})


def region_links(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    group = root.find(f".//{NS}g[@class='map-regions']")
    return group.findall(f"{NS}a")


def _texts(group: ET.Element) -> str:
    return " ".join(e.text for e in group.iter(f"{NS}text") if not e.get("aria-hidden"))


def legend_texts(svg: str) -> list[str]:
    """The legend's heading and entries, each as one text (lines joined)."""
    legend = ET.fromstring(svg).find(f".//{NS}g[@class='map-legend']")
    return [_texts(group) for group in legend.findall(f"{NS}g")]


def legend_entries(svg: str) -> list[ET.Element]:
    legend = ET.fromstring(svg).find(f".//{NS}g[@class='map-legend']")
    return [g for g in legend.findall(f"{NS}g") if "map-legend-entry" in g.get("class")]


@pytest.mark.parametrize("structure,level", GEOMETRIES)
def test_every_region_is_a_link_with_a_title_naming_place_value_and_year(structure, level):
    geometry, values, svg = render(structure, level)
    links = region_links(svg)
    assert [a.get("href") for a in links] == [href(code) for code in geometry.regions]
    for code, link in zip(geometry.regions, links):
        title = link.find(f"{NS}title").text
        place = geometry.regions[code].name
        assert title.startswith(f"{place}: ") and title.endswith("(2024)"), title
        written = ch.value_text(values[code], 1, "nb", ch.legend_texts("nb"))
        assert written in title
        if values[code].value is not None:
            assert f"{written} {UNIT}" in title
        assert link.find(f"{NS}path").get("d") == geometry.regions[code].d
        assert link.get("tabindex") is None  # in the tab order, once


def test_colours_follow_the_classes_and_missing_values_are_hatched():
    geometry, values, svg = render("2024", "municipality")
    classes = ch.map_classes(values, 1)
    kinds = set()
    for code, link in zip(geometry.regions, region_links(svg)):
        fill = link.find(f"{NS}path").get("fill")
        item = values[code]
        if item.value is None:
            kind = "suppressed" if item.status == ":" else "missing"
            assert fill.startswith("url(#") and f"-{kind}-" in fill, (code, fill)
            kinds.add(kind)
        else:
            assert fill == classes.colour(item.value)
    assert kinds == {"missing", "suppressed"}
    root = ET.fromstring(svg)
    patterns = {p.get("id") for p in root.iter(f"{NS}pattern")}
    for fill in {link.find(f"{NS}path").get("fill") for link in region_links(svg)}:
        if fill.startswith("url(#"):
            assert fill[5:-1] in patterns


def test_legend_states_unit_year_class_bounds_and_the_hatched_entries():
    geometry, values, svg = render("2024", "municipality")
    texts = legend_texts(svg)
    classes = ch.map_classes(values, 1)
    assert texts[0] == "Per 1 000 innbyggere, 2024"
    assert texts[1:len(classes.classes) + 1] == classes.texts("nb")
    assert "Tall mangler" in texts and "Skjult av personvernhensyn" in texts
    swatches = [g.find(f"{NS}rect").get("fill") for g in legend_entries(svg) if g.find(f"{NS}rect") is not None]
    assert swatches[:len(classes.classes)] == [c.colour for c in classes.classes]
    assert [s.split("-")[-2] for s in swatches[len(classes.classes):]] == ["missing", "suppressed"]


def test_legend_in_english():
    _, _, svg = render("2024", "county", lang="en", unit="per 1,000 residents")
    texts = legend_texts(svg)
    assert "Figure missing" in texts and "Suppressed for privacy" in texts
    assert any(text.startswith("Norway: 13.4") for text in texts)
    assert "Map: © Kartverket (CC BY 4.0)" in [e.text for e in ET.fromstring(svg).iter(f"{NS}text")]


def test_entries_that_do_not_occur_are_left_out_of_the_legend():
    geometry = ch.load_geometry("2024", "county")
    values = {code: ch.MapValue(float(n)) for n, code in enumerate(geometry.regions)}
    _, _, svg = render("2024", "county", values=values, norway=None)
    texts = legend_texts(svg)
    assert not {"Tall mangler", "Skjult av personvernhensyn"} & set(texts)
    assert not any("Hele landet" in text or text.startswith("*") for text in texts)


def test_a_region_without_any_value_is_drawn_as_missing():
    geometry = ch.load_geometry("2024", "county")
    values = {"03": ch.MapValue(12.0), "11": ch.MapValue(None, ":")}
    _, _, svg = render("2024", "county", values=values)
    fills = {code: link.find(f"{NS}path").get("fill") for code, link in zip(geometry.regions, region_links(svg))}
    assert "-missing-" in fills["50"] and "-suppressed-" in fills["11"] and fills["03"].startswith("#")
    titles = {code: link.find(f"{NS}title").text for code, link in zip(geometry.regions, region_links(svg))}
    assert titles["50"] == "Trøndelag - Trööndelage: Tall mangler (2024)"


def _marked_rows(svg: str) -> list[int]:
    """Which class swatches of the legend have Norway's diamond drawn on them."""
    classes = [g for g in legend_entries(svg) if "is-class" in g.get("class")]
    return [n for n, g in enumerate(classes) if g.find(f"{NS}path") is not None]


def test_norways_value_is_marked_on_its_class_and_written():
    geometry, values, svg = render("2024", "municipality", norway=ch.MapValue(13.4))
    classes = ch.map_classes(values, 1)
    assert _marked_rows(svg) == [classes.index(13.4)]
    assert "Hele landet: 13,4" in legend_texts(svg)


def test_norway_outside_every_class_is_said_so():
    _, _, svg = render("2024", "county", norway=ch.MapValue(999.0))
    assert _marked_rows(svg) == []
    assert "Hele landet: 999,0 (utenfor klassene)" in legend_texts(svg)


def test_flagged_and_approximate_values_are_marked():
    geometry, values, svg = render("2024", "municipality")
    flagged = next(code for code, v in values.items() if v.flagged and v.value is not None)
    approx = next(code for code, v in values.items() if v.qualifier == "approx" and v.value is not None)
    titles = {code: link.find(f"{NS}title").text for code, link in zip(geometry.regions, region_links(svg))}
    assert "*" in titles[flagged]
    assert ": ca. " in titles[approx]
    assert t("map.legend.flagged", "nb") in legend_texts(svg)


def test_the_svg_is_well_formed_without_script_and_escapes_text():
    geometry = ch.load_geometry("2024", "county")
    names = {code: f"<b>{region.name} & co</b>" for code, region in geometry.regions.items()}
    _, _, svg = render("2024", "county", names=names, title='Test "<script>"', unit="per <1 000>")
    root = ET.fromstring(svg)  # raises on malformed XML
    assert root.tag == f"{NS}svg" and root.get("viewBox")
    assert not list(root.iter(f"{NS}script")) and "<script" not in svg
    for element in root.iter():
        assert not any(name.lower().startswith("on") for name in element.attrib), element.tag
        assert "javascript:" not in element.get("href", "")
    assert region_links(svg)[0].find(f"{NS}title").text.startswith("<b>Oslo & co</b>: ")  # 03 comes first
    assert "&lt;b&gt;Oslo &amp; co&lt;/b&gt;" in svg


def test_the_map_is_named_for_assistive_technology():
    _, _, svg = render("2024", "county")
    root = ET.fromstring(svg)
    assert root.get("role") == "group"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{NS}title").get("id") == title_id and root.find(f"{NS}title").text == "Kommunale boliger (testdata) (2024)"
    assert "fylkene" in root.find(f"{NS}desc").text and root.find(f"{NS}desc").get("id") == desc_id


@pytest.mark.parametrize("structure,level", GEOMETRIES)
def test_the_inset_enlarges_oslo_and_keeps_its_links_out_of_the_tab_order(structure, level):
    geometry, _, svg = render(structure, level)
    inset = ET.fromstring(svg).find(f".//{NS}g[@class='map-inset']")
    assert inset.get("aria-hidden") == "true"
    links = inset.findall(f".//{NS}a")
    assert {a.get("href") for a in links} == {href(code) for code in geometry.inset}
    assert all(a.get("tabindex") == "-1" and a.find(f"{NS}title") is not None for a in links)
    labels = [e.text for e in inset.iter(f"{NS}text")]
    assert "Oslo og omegn" in labels and "Oslo" in labels
    zoomed = next(g for g in inset.findall(f"{NS}g") if "scale" in (g.get("transform") or ""))
    main = ET.fromstring(svg).find(f".//{NS}g[@class='map-regions']")
    factor = lambda g: float(g.get("transform").split("scale(")[1].rstrip(")"))  # noqa: E731
    assert factor(zoomed) > 2.5 * factor(main)


def test_regions_too_small_to_see_get_a_dot():
    geometry, _, svg = render("2024", "municipality")
    dotted = {code for code, link in zip(geometry.regions, region_links(svg)) if link.find(f"{NS}circle") is not None}
    assert {"1144", "1151", "1835"} <= dotted  # Kvitsøy, Utsira, Træna
    assert "0301" not in dotted and len(dotted) < 40
    assert t("map.legend.small", "nb") in legend_texts(svg)
    _, _, counties = render("2024", "county")
    assert t("map.legend.small", "nb") not in legend_texts(counties)


@pytest.mark.parametrize("structure,level,says", [("2020", "municipality", "kommuneinndelingen 2020–2023"),
                                                  ("2024", "county", "fylkesinndelingen fra 2024")])
def test_the_map_says_which_structure_and_carries_the_attribution(structure, level, says):
    _, _, svg = render(structure, level)
    texts = [e.text for e in ET.fromstring(svg).iter(f"{NS}text")]
    assert f"Kartet viser {says}." in texts
    assert "Kart: © Kartverket (CC BY 4.0)" in texts


def test_county_borders_can_be_drawn_over_municipalities():
    _, _, svg = render("2024", "municipality", outline=ch.load_geometry("2024", "county"))
    outline = ET.fromstring(svg).find(f".//{NS}g[@class='map-outline']")
    assert len(outline.findall(f"{NS}path")) == 15 and outline.get("fill") == "none"


def test_narrow_frame_puts_the_legend_under_the_map():
    geometry, _, svg = render("2024", "municipality", frame=ch.MAP_NARROW)
    root = ET.fromstring(svg)
    map_bottom = geometry.view_box[3] * ch.MAP_NARROW.width / geometry.view_box[2]
    first = root.find(f".//{NS}g[@class='map-legend']//{NS}text")
    assert float(first.get("y")) > map_bottom
    assert root.get("viewBox").startswith("0 0 360 ")
    _, _, wide = render("2024", "municipality")
    assert float(ET.fromstring(wide).find(f".//{NS}g[@class='map-legend']//{NS}text").get("y")) < 100


def test_standalone_image_has_title_source_and_size():
    frame = ch.replace(ch.MAP_IMAGE, title="Kommunale boliger per 1 000 innbyggere", source="Kilde: testdata")
    _, _, svg = render("2024", "county", frame=frame)
    root = ET.fromstring(svg)
    texts = [e.text for e in root.iter(f"{NS}text")]
    assert "Kommunale boliger per 1 000 innbyggere" in texts and "Kilde: testdata" in texts
    assert root.get("width") == "960" and root.get("height") == root.get("viewBox").split()[3]


def test_values_for_codes_not_on_the_map_are_refused():
    geometry = ch.load_geometry("2024", "county")
    with pytest.raises(ValueError, match="not on the county map of structure 2024: 30"):
        ch.choropleth(geometry, {"30": ch.MapValue(1.0)}, href=href, unit=UNIT, title="x", year="2024")
    with pytest.raises(ValueError, match="structure"):
        ch.load_geometry("2019", "county")


def test_value_texts_follow_language_status_and_labels():
    texts = ch.legend_texts("nb")
    assert ch.value_text(ch.MapValue(12.345), 1, "nb", texts) == "12,3"
    assert ch.value_text(ch.MapValue(12345.0), 0, "en", ch.legend_texts("en")) == "12,345"
    assert ch.value_text(ch.MapValue(5.0, qualifier="gt"), 0, "nb", texts) == "over 5"
    assert ch.value_text(ch.MapValue(5.0, flagged=True), 0, "nb", texts) == "5*"
    assert ch.value_text(ch.MapValue(5.0, label="ca. 5"), 0, "nb", texts) == "ca. 5"
    assert ch.value_text(ch.MapValue(None, "."), 0, "nb", texts) == "Ikke aktuelt"
    assert ch.value_text(ch.MapValue(None, ":"), 0, "nb", texts) == "Skjult av personvernhensyn"
    assert ch.value_text(None, 0, "nb", texts) == "Tall mangler"
    assert ch.value_text(None, 0, "nb", {**texts, "missing": "Ingen tall"}) == "Ingen tall"


def test_table_rows_say_what_the_map_says():
    geometry, values, svg = render("2024", "municipality")
    rows = ch.table_rows(geometry, values, href=href, decimals=1)
    assert [r.code for r in rows] == list(geometry.regions)
    legend = legend_texts(svg)
    titles = {code: link.find(f"{NS}title").text for code, link in zip(geometry.regions, region_links(svg))}
    for row in rows:
        assert row.class_text in legend
        assert row.value_text in titles[row.code] and row.place in titles[row.code]
        assert row.href == href(row.code)
        if values[row.code].value is None:
            assert row.value is None and row.class_index is None
        else:
            assert row.value == values[row.code].value and row.class_index is not None
    assert {r.class_text for r in rows if r.value is None} == {"Tall mangler", "Skjult av personvernhensyn"}


def test_classes_can_be_shared_but_must_hold_every_value():
    geometry = ch.load_geometry("2024", "county")
    values = {code: ch.MapValue(float(n)) for n, code in enumerate(geometry.regions)}
    wider = ch.map_classes({**values, "11": ch.MapValue(100.0)}, 0)  # 0 to 100
    _, _, svg = render("2024", "county", values=values, classes=wider, decimals=0)
    assert legend_texts(svg)[1:6] == wider.texts("nb")
    with pytest.raises(ValueError, match="outside the classes"):
        render("2024", "county", values={**values, "03": ch.MapValue(500.0)}, classes=wider, decimals=0)


def test_structure_for_year():
    assert [ch.structure_for_year(y) for y in (2019, 2020, 2023, 2024, 2030)] == [None, "2020", "2020", "2024", "2024"]


def test_border_and_hatch_colours_have_contrast():
    assert contrast(ch.BORDER, "#ffffff") >= 3.0
    assert contrast(ch.BORDER, PALETTES[5][0]) >= 3.0  # the coast of the lightest class
    assert contrast(ch.HATCH, "#ffffff") >= 4.5


# ------------------------------------------------------------------------------ size and pictures


@pytest.mark.parametrize("structure", ["2020", "2024"])
@pytest.mark.parametrize("lang", ["nb", "en"])
def test_rendered_maps_are_within_their_size_budgets(structure, lang):
    """Budgets from issue 12, gzip-compressed: county map 40 KiB, municipality map 150 KiB (with
    county borders drawn over it, long links and titles in every shape)."""
    long_href = lambda code: f"/figur/municipal_dwellings_per_1000?view=map&level=kommune&year=2024&region={code}&lang={lang}"  # noqa: E731
    for level, budget, outline in (("county", 40, None), ("municipality", 150, ch.load_geometry(structure, "county"))):
        for frame in (ch.MAP_WIDE, ch.MAP_NARROW, ch.MAP_IMAGE):
            _, _, svg = render(structure, level, lang=lang, href=long_href, outline=outline, frame=frame)
            size = len(gzip.compress(svg.encode("utf-8")))
            assert size <= budget * 1024, (structure, level, frame.width, size)


@pytest.mark.parametrize("structure,level", GEOMETRIES)
def test_maps_render_to_png_with_their_colours(structure, level):
    """Rasterised as the PNG downloads are (cairosvg); the pictures are kept in
    tests/artifacts/maps/ to look at."""
    outline = ch.load_geometry(structure, "county") if level == "municipality" else None
    geometry, values, svg = render(structure, level, outline=outline)
    png = cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=1200)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{structure}-{level}.png").write_bytes(png)
    (ARTIFACTS / f"{structure}-{level}.svg").write_text(svg, encoding="utf-8")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.width == 1200 and image.height > 1400
    colours = {f"#{r:02x}{g:02x}{b:02x}" for _, (r, g, b) in image.getcolors(maxcolors=1 << 20)}
    used = {c.colour for c in ch.map_classes(values, 1).classes}
    assert used <= colours, used - colours
