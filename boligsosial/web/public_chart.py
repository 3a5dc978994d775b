"""What a public chart page shows: the chart model for the view in the URL (the default view
when it names none), its subtitle, and the summary sentences written from the same rows."""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence
from urllib.parse import parse_qsl

from boligsosial.charts import build, context, svg
from boligsosial.charts.model import Chart, position
from boligsosial.charts.style import MAX_LINES
from boligsosial.domain import breakdowns, gazetteer, selection
from boligsosial.domain.change import change
from boligsosial.domain.selection import Selection
from boligsosial.text.i18n import t
from boligsosial.text.numbers import (
    UNIT_SIGNS,
    format_number,
    format_period,
    format_value,
    is_missing,
)
from boligsosial.ui import tables
from boligsosial.warehouse import catalogue_rows, place_rows, series_rows
from boligsosial.web import export_rows

MAX_ROWS = 5000  # rows on one page; more is a download, not a chart
MAX_BARS = 400  # a little under the number of municipalities Norway has ever had at once


class NotFound(LookupError):
    """No such indicator, or nothing to show for it: the page answers 404."""


@dataclass
class PublicChart:
    """Everything a page, an embed or an image says about one selection: the chart model, the
    table with the same rows, the summary sentences and the rows (for sources)."""

    indicator: Mapping[str, Any]
    selection: Selection  # as shown: with the default view filled in
    lang: str
    title: str
    subtitle: str
    chart: Chart
    summary: list[str]
    table: Any  # a Dash component tree (boligsosial/ui/tables.py), written out with static_html
    rows: list[dict[str, Any]]

    @property
    def kind(self) -> str:
        return self.chart.kind

    @property
    def note(self) -> str:
        return self.chart.notice

    def svg(self, frame: svg.Frame) -> str:
        return svg.render(self.chart, frame)


def default_view(indicator: Mapping[str, Any], chosen: Selection) -> Selection:
    """The view a URL that names none opens with: the indicator's own (`public:` in
    data/indicators.yaml), else its total when it has one."""
    if chosen.breakdowns is not None or chosen.by is not None:
        return chosen
    untouched = chosen.regions == ("0",) and chosen.period_from is None and chosen.period_to is None
    if indicator.get("public_query") and untouched:
        own = selection.parse(dict(parse_qsl(indicator["public_query"])))
        return replace(own, lang=chosen.lang, codes=chosen.codes)
    if any(row["breakdown"] == "" for row in catalogue_rows.indicator_breakdowns(indicator["id"])):
        return replace(chosen, breakdowns=("",))
    return chosen


def build_chart(indicator_id: str, chosen: Selection) -> PublicChart:
    indicator = series_rows.indicator(indicator_id)
    if indicator is None:
        raise NotFound(indicator_id)
    lang = chosen.lang
    chosen = default_view(indicator, chosen)
    dataset = export_rows.load(indicator_id, chosen, "", MAX_ROWS)
    fields = build.unit_fields(indicator)
    rows = [{**row, **fields} for row in dataset.rows]
    title = indicator.get(f"title_{lang}") or indicator_id
    unit = build.unit_heading(indicator, lang)

    # One series per (region, breakdown), named by what differs between them.
    by_series: dict[tuple[str, str], dict[str, dict]] = {}
    names: dict[str, str] = {}
    for row in rows:
        by_series.setdefault((row["region_code"], row["breakdown"]), {})[row["period"]] = row
        names.setdefault(row["region_code"], gazetteer.region_name(row["region_code"], row.get("region_name") or row["region_code"], lang))
    keys = sorted(by_series, key=lambda k: (len(k[0]), k[0], _breakdown_order(k[1], dataset.categories)))
    periods = sorted({row["period"] for row in rows}, key=position)
    estimates = _estimate_keys(indicator, keys)
    bars = not estimates and (chosen.by is not None or len(periods) == 1)
    if len(keys) == 1:  # a line is named by what it shows; a lone bar by where
        labels = {keys[0]: names[keys[0][0]] if bars else title}
    else:
        labels = _series_labels(keys, names, dataset, lang)
    period_text = _span(periods, lang)
    subtitle = _subtitle(keys, names, dataset, period_text, lang)
    base = dict(indicator=indicator, selection=chosen, lang=lang, title=title, subtitle=subtitle, rows=rows)
    if not rows:
        empty = Chart(kind="", title=title, lang=lang, notice=t("figur.no_data", lang))
        return PublicChart(**base, chart=empty, summary=[], table=None)

    def row_for(key: tuple[str, str], period: str) -> dict:
        return by_series[key].get(period) or build.stand_in(indicator, period)

    if estimates:
        chart = _estimates(indicator, title, lang, keys, by_series, labels)
        columns = [tables.Column(t("table.estimate", lang), numeric=False), tables.Column(unit)]
        table_rows = [tables.Row(tables.Cell(format_period(row["period"], lang)),
                                 (tables.Cell(labels[key]), tables.cell(row, lang)))
                      for key in keys for row in sorted(by_series[key].values(), key=lambda r: position(r["period"]))]
        header = t("table.period", lang)
        summary = [t("figur.estimates_summary", lang)]
    elif bars:
        categories = [labels[k] for k in keys]
        several = len(periods) > 1
        # A category a period has no row for at all is left out of that period's bars (the
        # table still shows it as missing); a row without a value is drawn as missing.
        series = [(format_period(p, lang) if several else title,
                   {labels[k]: row_for(k, p) for k in keys if p in by_series[k] or not several}) for p in periods]
        chart = build.bar_chart(indicator, title, lang, categories, series, period_text=period_text)
        if len(keys) > MAX_BARS:
            chart = replace(chart, kind="", notice=t("figur.too_many_bars", lang, limit=MAX_BARS))
        columns = [tables.Column(f"{unit}, {format_period(p, lang)}" if several else unit) for p in periods]
        table_rows = [tables.Row(tables.Cell(labels[k]), tuple(tables.cell(row_for(k, p), lang) for p in periods))
                      for k in keys]
        header = t("table.category", lang)
        # In words: the highest and lowest of each period (the missing ones are in the table).
        summary = [_sentence(chart.alt.split(": ", 1)[-1])] if chart.kind else []
    else:
        series = [(labels[k], {p: row_for(k, p) for p in periods}) for k in keys]
        chart = build.time_chart(indicator, title, lang, series, breaks=context.breaks(indicator_id, lang),
                                 bands=context.strategy_bands(lang))
        if len(keys) > MAX_LINES:
            chart = replace(chart, kind="", notice=t("figur.too_many_lines", lang, limit=MAX_LINES))
        columns = [tables.Column(unit if len(keys) == 1 else labels[k]) for k in keys]
        table_rows = [tables.Row(tables.Cell(format_period(p, lang)), tuple(tables.cell(row_for(k, p), lang) for k in keys))
                      for p in periods]
        header = t("table.period", lang)
        # A sentence per series while they are few enough to draw; past that, the table says it.
        summary = _line_summary(keys, by_series, labels, indicator, lang) if chart.kind else []
    caption = t("figur.caption", lang, title=title, unit=unit) + (f", {period_text}" if bars else "")
    table = tables.data_table(caption, header, columns, table_rows, lang, table_id="figur-data")
    # Places the address names that have no figure at all are named, not silently left out.
    asked = [code for code in chosen.regions or () if code not in names]
    if asked:
        unknown = place_rows.region_names(asked)
        summary.append(t("figur.without_figures", lang, names=", ".join(unknown.get(c, c) for c in asked)))
    return PublicChart(**base, chart=chart, summary=summary, table=table)


def _estimate_keys(indicator: Mapping[str, Any], keys: Sequence[tuple[str, str]]) -> bool:
    """Whether the series shown are separate estimates (the indicator's `estimates` dimension
    tells them apart): then they are points, never a line."""
    dimension = indicator.get("estimates_dimension")
    if not dimension:
        return False
    found = {breakdowns.parse(key).get(dimension) for _, key in keys}
    return len(found) > 1 and None not in found


def _estimates(indicator, title, lang, keys, by_series, labels) -> Chart:
    dimension = indicator["estimates_dimension"]
    pairs = json.loads(indicator.get("estimate_ranges") or "[]")
    code_of = {key: breakdowns.parse(key[1]).get(dimension) for key in keys}
    in_range = {code for pair in pairs for code in pair}
    estimates = [(labels[key], row) for key in keys if code_of[key] not in in_range
                 for row in by_series[key].values()]
    ranges = []
    for low_code, high_code in pairs:
        low = next((k for k in keys if code_of[k] == low_code), None)
        high = next((k for k in keys if code_of[k] == high_code), None)
        if low is None or high is None:  # half a range is shown as the estimate it is
            estimates += [(labels[k], row) for k in (low, high) if k for row in by_series[k].values()]
            continue
        for period, low_row in by_series[low].items():
            if period in by_series[high]:
                name = f"{labels[low]} – {labels[high]}"
                ranges.append((name, low_row, by_series[high][period]))
    return build.estimate_chart(indicator, title, lang, estimates, ranges,
                                note=t("figur.estimates_note", lang))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _breakdown_order(key: str, categories: Mapping[tuple[str, str], Mapping[str, Any]]) -> tuple:
    """A breakdown key in its categories' own order (sort_order), the total first."""
    return tuple(((categories.get(part) or {}).get("sort_order") or 10**6, part[1])
                 for part in breakdowns.parse(key).items())


def _series_labels(keys, names, dataset, lang) -> dict[tuple[str, str], str]:
    """Each series named by what differs between them: the place, and the breakdown's parts
    that vary (just the category when one dimension varies: "Under 25 år")."""
    regions_vary = len({k[0] for k in keys}) > 1
    parsed = {k: breakdowns.parse(k[1]) for k in keys}
    dimensions = sorted({d for parts in parsed.values() for d in parts})
    varying = [d for d in dimensions if len({parts.get(d) for parts in parsed.values()}) > 1]
    labels = {}
    for key in keys:
        words = []
        for dimension in varying:
            code = parsed[key].get(dimension)
            if code is None:
                continue
            category = (dataset.categories.get((dimension, code)) or {}).get(f"label_{lang}") or code
            dimension_name = (dataset.dimensions.get(dimension) or {}).get(f"label_{lang}") or dimension
            words.append(category if len(varying) == 1 else f"{dimension_name}: {category}")
        text = "; ".join(words) or (t("breakdown.total", lang) if not regions_vary else "")
        labels[key] = " – ".join(part for part in ((names[key[0]] if regions_vary else ""), text) if part)
    return labels


def _subtitle(keys, names, dataset, period_text: str, lang: str) -> str:
    """Where, which breakdown (when all series share one) and when: "Norge · 1996–2020"."""
    parts = []
    regions = list(dict.fromkeys(names[k[0]] for k in keys))
    if len(regions) > 4:  # named one by one in the chart and the table
        parts.append(t("figur.regions", lang, count=len(regions)))
    elif regions:
        parts.append(", ".join(regions))
    shared = {k[1] for k in keys}
    if len(shared) == 1 and (only := shared.pop()):
        parts.append(selection.breakdown_label(only, lang, dataset.dimensions, dataset.categories))
    if period_text:
        parts.append(period_text)
    return " · ".join(parts)


def _span(periods: Sequence[str], lang: str) -> str:
    if not periods:
        return ""
    first, last = format_period(periods[0], lang), format_period(periods[-1], lang)
    return first if first == last else f"{first}–{last}"


def _line_summary(keys, by_series, labels, indicator, lang: str) -> list[str]:
    """The latest figure of each series and, for one series, the change since the first figure
    shown: a number we computed, so it is labelled as such, and said honestly (domain/change)."""
    sentences = []
    for key in keys:
        shown = [row for period, row in sorted(by_series[key].items(), key=lambda item: position(item[0]))
                 if not is_missing(row.get("value"))]
        name = labels[key]
        if not shown:
            sentences.append(t("figur.summary_none", lang, name=name))
            continue
        last = shown[-1]
        sentences.append(t("figur.summary_latest", lang, name=name, period=format_period(last["period"], lang),
                           value=format_value(last, lang)))
        if len(keys) == 1 and len(shown) > 1:
            sentences.append(change_sentence(shown[0], last, indicator, lang))
    return sentences


def change_sentence(first: Mapping[str, Any], last: Mapping[str, Any], indicator: Mapping[str, Any], lang: str) -> str:
    """The change from `first` to `last` in words, as exact as the figures allow."""
    periods = dict(start=format_period(first["period"], lang), end=format_period(last["period"], lang))
    broken = [b for b in series_rows.comparability_breaks(indicator["id"])
              if position(first["period"]) < position(b["period"]) <= position(last["period"])]
    reason = indicator.get(f"compare_{lang}") or (broken[0][f"reason_{lang}"] if broken else "")
    found = change(first, last, reason)
    if found.kind == "not_comparable":
        return t("figur.change_not_comparable", lang, reason=found.reason, **periods)
    if found.kind == "bound":
        return t("figur.change_unknown", lang, **periods)
    if found.kind == "within_rounding":
        return t("figur.change_within_rounding", lang, **periods)
    decimals = int(first.get("decimals") or 0)
    difference = found.difference
    sign = "+" if difference > 0 else "−" if difference < 0 else "±"
    percent = first.get("unit") == "percent"
    amount = f"{sign}{format_number(abs(difference), decimals, lang)}"
    unit = t("figur.percentage_points", lang) if percent else (first.get(f"unit_label_{lang}") or "")
    text = f"{amount} {unit}".strip()
    if found.relative is not None:
        relative = found.relative
        sign = "+" if relative > 0 else "−" if relative < 0 else "±"
        text += f" ({sign}{format_number(abs(relative), 0, lang)}{UNIT_SIGNS['percent'][lang]})"
    return t("figur.change_approx" if found.kind == "approx" else "figur.change", lang, change=text, **periods)
