"""What a chart card holds: its rows, chart, table and notes (Content), loaded from the
warehouse by the card's kind (line, bar, estimates, places) as its spec and view ask."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from dash import html

from boligsosial.charts import build, context
from boligsosial.charts.model import Chart, Target, position
from boligsosial.domain import breakdowns
from boligsosial.domain.url_state import View
from boligsosial.text.i18n import pick_text, t
from boligsosial.text.numbers import format_period
from boligsosial.ui import tables
from boligsosial.ui.links import Series as Download
from boligsosial.warehouse import place_rows, series_rows, strategy_rows

Row = Mapping[str, Any]
Spec = Mapping[str, Any]


@dataclass
class Content:
    """What a loader hands to the frame: the chart and everything said about it."""

    chart: Chart
    table: Any
    rows: list[Row]  # every observation shown, for sources and the About panel
    indicators: dict[str, Row]  # catalogue rows of the indicators shown, in display order
    downloads: list[Download]  # one per indicator: exactly the rows the card shows
    shown: Download | None = None  # the series drawn: its public page and images
    below_chart: list = field(default_factory=list)  # what must be read with the chart (estimates' definitions)


def _measure(spec: Spec, view: View) -> Mapping[str, Any]:
    measures = spec["measures"]
    if len(measures) == 1:
        return measures[0]
    chosen = view.get(f"measure-{spec['id']}")
    return next(m for m in measures if m["id"] == chosen)


def _with_units(row: Row, indicator: Row) -> dict[str, Any]:
    return {**row, **build.unit_fields(indicator)}


def _line(spec: Spec, lang: str, view: View) -> Content:
    """Series over time: one indicator drawn (the measure chosen), all the card's measures in
    the table. The periods are the warehouse's: every period with a figure and every expected
    period without one (a row with no value and the reason), so a missing survey is on the
    axis, in the table and in the files alike."""
    region = str(spec.get("region", "0"))
    breakdown = str(spec.get("breakdown", ""))
    ids = [m["indicator"] for m in spec["measures"]]
    catalogue = series_rows.indicators(ids)
    found = {(r["indicator_id"], r["period"]): r for r in series_rows.card_rows(ids, [region], [breakdown])}
    periods = sorted({period for _, period in found}, key=position)

    def row(indicator_id: str, period: str) -> Row:
        indicator = catalogue.get(indicator_id, {"id": indicator_id})
        return found.get((indicator_id, period)) or build.stand_in(indicator, period)

    chosen = _measure(spec, view)["indicator"]
    indicator = catalogue.get(chosen, {"id": chosen})
    name = indicator.get(f"title_{lang}", chosen)
    title = pick_text(spec["title"], lang)
    chart = build.time_chart(
        indicator, title, lang, [(name, {p: row(chosen, p) for p in periods})],
        breaks=context.breaks(chosen, lang), bands=context.strategy_bands(lang),
        target=_target(spec.get("target"), lang), note=pick_text(spec.get("note"), lang), what=name,
    )
    columns = [tables.Column(build.unit_heading(catalogue.get(i, {}), lang)) for i in ids]
    table_rows = [tables.Row(tables.Cell(format_period(p, lang)), tuple(tables.cell(row(i, p), lang) for i in ids))
                  for p in periods]
    table = tables.data_table(t("table.caption", lang, title=title), t("table.period", lang), columns, table_rows, lang,
                              table_id=f"card-{spec['id']}-data")
    downloads = [Download(i, [region], [breakdown], [p for (j, p) in found if j == i]) for i in ids]
    return Content(
        chart=chart, table=table, rows=list(found.values()),
        indicators={i: catalogue[i] for i in ids if i in catalogue},
        downloads=downloads, shown=next(d for d in downloads if d.indicator_id == chosen),
    )


def _target(config: Mapping[str, Any] | None, lang: str) -> Target | None:
    if not config:
        return None
    target = strategy_rows.strategy_target(config["strategy"], config["target_no"])
    if target is None or target.get("target_value") is None:
        return None
    return Target(target["target_value"], pick_text({"nb": target["text_nb"], "nn": target.get("text_nn"), "en": target["text_en"]}, lang))


@dataclass
class _Bar:
    key: str
    label: str
    region: str
    breakdown: str


def _bar_list(spec: Spec, lang: str, periods: Sequence[str]) -> tuple[list[_Bar], bool]:
    """The bars a card asks for, and whether to keep bars that have no value (only when the
    config lists them one by one: categories of a dimension without a value that year are
    simply not among that year's categories)."""
    region = str(spec.get("region", "0"))
    fixed = str(spec.get("fixed", ""))
    bars: list[_Bar] = []
    if spec.get("total"):
        bars.append(_Bar("total", pick_text(spec["total"], lang), region, fixed))
    by = spec.get("by")
    if by == "region":
        for place in place_rows.regions_at(spec["level"], int(periods[0][:4])):
            if all(b.key != place["code"] for b in bars):
                bars.append(_Bar(place["code"], place["name"], place["code"], fixed))
        return bars, False
    if by:
        dims = [by] if isinstance(by, str) else list(by)
        for category in series_rows.categories(dims):
            label = category[f"label_{lang}"]
            if len(dims) > 1:
                label = f"{category[f'dimension_label_{lang}']}: {label[:1].lower() + label[1:]}"
            bars.append(_Bar(f"{category['dimension']}={category['code']}", label, region,
                             breakdowns.with_part(fixed, category["dimension"], category["code"])))
        return bars, False
    labels = {f"{c['dimension']}={c['code']}": c[f"label_{lang}"]
              for c in series_rows.categories({d for b in spec["bars"] for d in breakdowns.parse(b.get("breakdown", ""))})}
    for bar in spec["bars"]:
        key = str(bar.get("breakdown", ""))
        last_part = key.split("|")[-1] if key else ""
        bars.append(_Bar(key or "total", pick_text(bar.get("label"), lang) or labels.get(last_part, key), region, key))
    return bars, True


def _bars(spec: Spec, lang: str, view: View) -> Content:
    """Bars by category (a dimension's categories, regions, or listed breakdowns) for one year
    (chosen or fixed), or for a few years side by side."""
    if spec.get("group_periods"):
        periods = [str(p) for p in spec["group_periods"]]
    elif spec.get("choose_period"):
        periods = [view.get(f"year-{spec['id']}")]
    else:
        periods = [str(spec["period"])]
    ids = [m["indicator"] for m in spec["measures"]]
    catalogue = series_rows.indicators(ids)
    bars, keep_empty = _bar_list(spec, lang, periods)
    rows = series_rows.card_rows(ids, sorted({b.region for b in bars}), sorted({b.breakdown for b in bars}), periods)
    found = {(r["indicator_id"], r["region_code"], r["breakdown"], r["period"]): r for r in rows}
    if not keep_empty:
        bars = [b for b in bars if any((i, b.region, b.breakdown, p) in found for i in ids for p in periods)]
    for row in rows:  # for the About panel: which bar a remark is about
        bar = next((b for b in bars if (b.region, b.breakdown) == (row["region_code"], row["breakdown"])), None)
        row["_label"] = bar.label if bar else ""

    def row_for(indicator_id: str, bar: _Bar, period: str) -> Row:
        return found.get((indicator_id, bar.region, bar.breakdown, period)) or build.stand_in(
            catalogue.get(indicator_id, {"id": indicator_id}), period)

    chosen = _measure(spec, view)["indicator"]
    indicator = catalogue.get(chosen, {"id": chosen})
    several = len(periods) > 1
    title = pick_text(spec["title"], lang)
    period_text = ", ".join(format_period(p, lang) for p in periods)
    # With several years side by side, a year without a row for a category has no bar there.
    series = [(format_period(p, lang) if several else indicator.get(f"title_{lang}", chosen),
               {b.label: row_for(chosen, b, p) for b in bars if not several or (chosen, b.region, b.breakdown, p) in found})
              for p in periods]
    chart = build.bar_chart(indicator, title, lang, [b.label for b in bars], series, period_text=period_text,
                            note=pick_text(spec.get("note"), lang))
    columns, cells = [], []
    for i in ids:
        for p in periods:
            heading = build.unit_heading(catalogue.get(i, {}), lang)
            columns.append(tables.Column(f"{heading}, {format_period(p, lang)}" if several else heading))
            cells.append((i, p))
    table_rows = [
        tables.Row(tables.Cell(b.label), tuple(tables.cell(row_for(i, b, p), lang) for i, p in cells)) for b in bars
    ]
    table = tables.data_table(t("table.caption_period", lang, title=title, period=period_text),
                              pick_text(spec.get("category_heading"), lang) or t("table.category", lang),
                              columns, table_rows, lang, table_id=f"card-{spec['id']}-data")
    downloads = [Download(i, sorted({b.region for b in bars}), [b.breakdown for b in bars], periods) for i in ids]
    return Content(
        chart=chart, table=table, rows=rows,
        indicators={i: catalogue[i] for i in ids if i in catalogue},
        downloads=downloads, shown=next(d for d in downloads if d.indicator_id == chosen),
    )


def _estimates(spec: Spec, lang: str, view: View) -> Content:
    """Estimates that rest on different definitions: each its own named point, ranges as
    bars from low to high, and a list saying what each one measures."""
    indicator_id = spec["measures"][0]["indicator"]
    catalogue = series_rows.indicators([indicator_id])
    indicator = catalogue.get(indicator_id, {"id": indicator_id})
    region = str(spec.get("region", "0"))
    fixed = str(spec.get("fixed", ""))
    dimension = spec["dimension"]
    key = {code: breakdowns.with_part(fixed, dimension, code)
           for code in [e["code"] for e in spec["estimates"]] + [c for r in spec.get("ranges", []) for c in (r["low"], r["high"])]}
    rows = series_rows.card_rows([indicator_id], [region], list(key.values()))
    by_key: dict[str, list[Row]] = {}
    for row in rows:
        by_key.setdefault(row["breakdown"], []).append(row)
    long_labels = {c["code"]: c[f"label_{lang}"] for c in series_rows.categories([dimension])}
    estimates, table_rows = [], []
    for entry in spec["estimates"]:
        short = pick_text(entry["short"], lang)
        for row in by_key.get(key[entry["code"]], []):
            row["_label"] = short
            estimates.append((short, row))
            table_rows.append((row["period"], tables.Row(
                tables.Cell(format_period(row["period"], lang)),
                (tables.Cell(long_labels.get(entry["code"], short)), tables.cell(row, lang)))))
    ranges = []
    for entry in spec.get("ranges", []):
        short = pick_text(entry["short"], lang)
        lows, highs = by_key.get(key[entry["low"]], []), by_key.get(key[entry["high"]], [])
        for low in lows:
            high = next((h for h in highs if h["period"] == low["period"]), None)
            for row in (low, high):
                if row is not None:
                    row["_label"] = f"{short}: {long_labels.get(entry['low' if row is low else 'high'], '')}"
                    table_rows.append((row["period"], tables.Row(
                        tables.Cell(format_period(row["period"], lang)),
                        (tables.Cell(row["_label"]), tables.cell(row, lang)))))
            if high is not None:
                ranges.append((short, low, high))
    table_rows.sort(key=lambda pair: pair[0])
    title = pick_text(spec["title"], lang)
    chart = build.estimate_chart(indicator, title, lang, estimates, ranges, note=pick_text(spec.get("note"), lang),
                                 what=indicator.get(f"title_{lang}", indicator_id))
    table = tables.data_table(
        t("table.caption", lang, title=title), t("table.period", lang),
        [tables.Column(t("table.estimate", lang), numeric=False), tables.Column(build.unit_heading(indicator, lang))],
        [row for _, row in table_rows], lang, table_id=f"card-{spec['id']}-data",
    )
    # What each estimate measures, in the chart's order (oldest first).
    first_year = {e.name: e.year for e in chart.estimates} | {r.name: r.year for r in chart.ranges}
    entries = sorted(spec["estimates"] + spec.get("ranges", []),
                     key=lambda entry: first_year.get(pick_text(entry["short"], lang), 9999))
    measures = html.Dl(
        [part for entry in entries
         for part in (html.Dt(pick_text(entry["short"], lang)), html.Dd(pick_text(entry.get("measures"), lang)))],
        className="estimate-list",
    )
    periods = sorted({r["period"] for r in rows})
    download = Download(indicator_id, [region], list(key.values()), periods)
    return Content(
        chart=chart, table=table, rows=rows, indicators=catalogue, downloads=[download], shown=download,
        below_chart=[html.H4(t("card.estimates_measure", lang)), measures],
    )


def _places(spec: Spec, lang: str, view: View) -> Content:
    """One indicator over time for several places, a line each (a place against its county
    and the country, or places side by side). The page hands in the rows (`rows`, which may
    hold rates it computed and marked derived) and the places to draw, in order (`places`:
    code and name pairs); `codes` says which region codes the download links ask for;
    `also_download` names indicators a computed rate was computed from, with their rows in
    `also_rows` (offered for download and described under About, as the figures rest on them)."""
    indicator_id = spec["indicator"]
    also = list(spec.get("also_download", []))
    catalogue = series_rows.indicators([indicator_id, *also])
    indicator = catalogue.get(indicator_id, {"id": indicator_id})
    places = [(str(code), name) for code, name in spec["places"]]
    names = dict(places)
    rows = [dict(r, _label=names[r["region_code"]]) for r in spec["rows"] if r["region_code"] in names]
    used = [dict(r, _label=names[r["region_code"]]) for r in spec.get("also_rows", []) if r["region_code"] in names]
    periods = sorted({r["period"] for r in rows}, key=position)
    found = {(r["region_code"], r["period"]): r for r in rows}

    def row(code: str, period: str) -> Row:
        return found.get((code, period)) or build.stand_in(indicator, period)

    title = pick_text(spec["title"], lang)
    name = indicator.get(f"title_{lang}", indicator_id)
    chart = build.time_chart(indicator, title, lang, [(place, {p: row(code, p) for p in periods}) for code, place in places],
                             breaks=context.breaks(indicator_id, lang), bands=context.strategy_bands(lang), what=name)
    table = tables.data_table(
        t("table.caption", lang, title=title), t("table.period", lang),
        [tables.Column(place) for _, place in places],
        [tables.Row(tables.Cell(format_period(p, lang)), tuple(tables.cell(row(code, p), lang) for code, _ in places))
         for p in periods],
        lang, table_id=f"card-{spec['id']}-data",
    )
    downloads = [Download(i, [code for code, _ in places], [""], periods, spec.get("codes", "original"))
                 for i in [indicator_id, *also]]
    return Content(
        chart=chart, table=table, rows=rows + used,
        indicators={i: catalogue[i] for i in [indicator_id, *also] if i in catalogue},
        downloads=downloads, shown=downloads[0],
    )


LOADERS: dict[str, Callable[[Spec, str, View], Content]] = {
    "line": _line, "bar": _bars, "estimates": _estimates, "places": _places,
}
