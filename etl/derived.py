"""Rates computed once, in the ETL, where no source publishes them.

A rate with a numerator and a denominator in data/indicators.yaml (municipal dwellings per
1,000 inhabitants) is often published for some places and years only. Where the warehouse has
both parts but no rate, the rate is computed here: numerator / denominator x per, marked
derived, with a derivation naming both parts and both sources in bokmål, nynorsk and English. Pages,
API and downloads then read the same rows instead of each computing its own.

What is never computed: a rate a source gives a row for (a suppressed one too: computing
a figure SSB has withheld would undo the suppression), a rate from a part that is missing, a
bound ("under 125 000") or zero in the denominator.
"""
from __future__ import annotations

import math

import pandas as pd

from boligsosial.text.i18n import t
from etl.tidy import OBSERVATION_COLUMNS, TEXT_LANGUAGES, TEXTS

KEY = ["region_code", "period", "breakdown"]
# A part that is itself a bound or missing gives no honest rate; an approximate one gives an approximate rate.
USABLE_QUALIFIERS = ("", "approx")


def add_rates(observations: pd.DataFrame, indicators: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """`observations` with a derived row for every rate key that has no row but usable parts."""
    frames = [_rates(observations, recipe, indicators, sources) for recipe in _recipes(indicators)]
    found = [f for f in frames if len(f)]
    if not found:
        return observations
    return pd.concat([observations, *found], ignore_index=True)


def _recipes(indicators: pd.DataFrame) -> list[dict]:
    rows = indicators.to_dict("records")
    return [r for r in rows if _is_set(r.get("numerator")) and _is_set(r.get("denominator"))]


def _usable(observations: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    part = observations[observations["indicator_id"] == indicator_id]
    keep = (part["status"] == "") & part["value"].notna() & part["qualifier"].isin(USABLE_QUALIFIERS)
    return part.loc[keep, [*KEY, "value", "qualifier", "source_id", "confidence"]]


def _rates(observations: pd.DataFrame, recipe: dict, indicators: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    top = _usable(observations, recipe["numerator"])
    bottom = _usable(observations, recipe["denominator"])
    bottom = bottom[bottom["value"] != 0]
    pairs = top.merge(bottom, on=KEY, suffixes=("", "_d"))
    have = observations.loc[observations["indicator_id"] == recipe["id"], KEY].drop_duplicates()
    pairs = pairs.merge(have, on=KEY, how="left", indicator=True)
    pairs = pairs[pairs["_merge"] == "left_only"]
    if pairs.empty:
        return pd.DataFrame(columns=OBSERVATION_COLUMNS)
    per = float(recipe["per"]) if _is_set(recipe.get("per")) else 1.0
    texts = {pair: _derivation(recipe, per, pair, indicators, sources)
             for pair in set(zip(pairs["source_id"], pairs["source_id_d"]))}
    derivations = [texts[pair] for pair in zip(pairs["source_id"], pairs["source_id_d"])]
    approx = (pairs["qualifier"] == "approx") | (pairs["qualifier_d"] == "approx")
    weak = (pairs["confidence"] == "M") | (pairs["confidence_d"] == "M")
    frame = pd.DataFrame({
        "indicator_id": recipe["id"],
        **{k: pairs[k].to_numpy() for k in KEY},
        "value": (pairs["value"] / pairs["value_d"] * per).to_numpy(),
        "status": "",
        "qualifier": approx.map({True: "approx", False: ""}).to_numpy(),
        "source_id": pairs["source_id"].to_numpy(),  # the numerator's; the derivation names both
        "derived": True,
        "derivation": [d["en"] for d in derivations],
        "confidence": weak.map({True: "M", False: "H"}).to_numpy(),
        "note": None, **{column: None for column in TEXTS["note"]},
        **{f"derivation_{lang}": [d[lang] for d in derivations] for lang in TEXT_LANGUAGES},
    })
    return frame[OBSERVATION_COLUMNS]


def _derivation(recipe: dict, per: float, pair: tuple[str, str], indicators: pd.DataFrame,
                sources: pd.DataFrame) -> dict[str, str]:
    titles = indicators.set_index("id")
    named = sources.drop_duplicates("source_id").set_index("source_id")

    def title(indicator_id: str, lang: str) -> str:
        return str(titles.at[indicator_id, f"title_{lang}"]) if indicator_id in titles.index else indicator_id

    def source(source_id: str) -> str:
        if source_id not in named.index:
            return source_id
        row = named.loc[source_id]
        return ", ".join(str(v) for v in (row["publisher"], row["title"]) if _is_set(v))

    return {
        lang: t("etl.derivation.computed_rate", lang,
                numerator=title(recipe["numerator"], lang), numerator_source=source(pair[0]),
                denominator=title(recipe["denominator"], lang), denominator_source=source(pair[1]),
                per=_per(per, lang))
        for lang in TEXT_LANGUAGES
    }


def _per(per: float, lang: str) -> str:
    # 1000 is written as Norwegian readers write it (1 000) and English ones (1,000).
    return f"{per:,.0f}".replace(",", "\u00a0" if lang != "en" else ",")


def _is_set(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and str(value) != ""
