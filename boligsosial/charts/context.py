"""What a time chart is drawn against, read from the warehouse: the national strategy periods
and their forerunners (shaded bands), and an indicator's method changes (breaks). Every time
chart gets the same context, in the app and on the public pages alike."""
from __future__ import annotations

from boligsosial.charts.model import Band, Break
from boligsosial.text.i18n import pick_text
from boligsosial.warehouse import series_rows, strategy_rows

BAND_KINDS = ("forerunner", "national")


def strategy_bands(lang: str) -> list[Band]:
    """The national strategies and their forerunners, oldest first."""
    return sorted((Band(row["period_start"], row["period_end"],
                        pick_text({"nb": row["name_nb"], "nn": row.get("name_nn"), "en": row["name_en"]}, lang), kind)
                   for kind in BAND_KINDS for row in strategy_rows.strategies(kind)), key=lambda band: band.start)


def breaks(indicator_id: str, lang: str) -> list[Break]:
    """The indicator's method changes (`series.breaks` in data/indicators.yaml)."""
    return [Break(row["period"], row[f"reason_{lang}"]) for row in series_rows.comparability_breaks(indicator_id)]
