"""Build: bundled facts + stored snapshots -> harmonised tables -> a published warehouse.

No network here: everything comes from data/ and the snapshot folder, so a build gives the
same warehouse on any machine.
"""
from __future__ import annotations

from datetime import date
from typing import Callable

import pandas as pd

from boligsosial.config import files, settings
from etl import (
    catalogue,
    derived,
    expected,
    facts,
    publish,
    regions,
    runlog,
    ssb,
    strategies,
)
from etl.errors import EtlError
from etl.imports import store
from etl.tidy import CATEGORY_COLUMNS, OBSERVATION_COLUMNS, SOURCE_COLUMNS, Bundle

# Where two sources give the same number (same indicator, region, period, breakdown), the
# statistics table wins over an imported file, which wins over a figure curated from an article.
PRECEDENCE = ["ssb", "import", "curated"]
KEY = ["indicator_id", "region_code", "period", "breakdown"]

Progress = Callable[[str], None]


def combine(bundles: list[Bundle]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All observations, one per key by source precedence; the losers are returned, not dropped."""
    frames = [b.observations.assign(_rank=PRECEDENCE.index(b.name)) for b in bundles if len(b.observations)]
    if not frames:
        empty = pd.DataFrame(columns=OBSERVATION_COLUMNS)
        return empty, empty.copy()
    everything = pd.concat(frames, ignore_index=True)
    # Only a better-ranked source supersedes; a key repeated within one source stays repeated,
    # so the uniqueness check catches it instead of a row silently vanishing.
    lost = everything["_rank"] > everything.groupby(KEY)["_rank"].transform("min")
    keep = everything[~lost].drop(columns="_rank").reset_index(drop=True)
    superseded = everything[lost].drop(columns="_rank").reset_index(drop=True)
    return keep[OBSERVATION_COLUMNS], superseded[OBSERVATION_COLUMNS]


def _without_empty_unknown_regions(bundle: Bundle, known: set[str]) -> Bundle:
    """SSB tables carry every region code they ever had (back to the 1970s), mostly as empty
    cells. An empty cell on a code outside the registry is not a number, so it is left out; a
    value on such a code is kept and fails the region check, so a registry gap cannot hide."""
    obs = bundle.observations
    keep = obs["region_code"].isin(known) | obs["value"].notna()
    return Bundle(bundle.name, obs[keep].reset_index(drop=True), bundle.sources, bundle.categories)


def _union(frames: list[pd.DataFrame], columns: list[str], key: list[str]) -> pd.DataFrame:
    frames = [f[columns] for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True).drop_duplicates(key, keep="first").reset_index(drop=True)


def collect(progress: Progress = lambda _: None, target_date: date | None = None) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """Read every source and return the warehouse tables plus row counts per source."""
    progress("data files against their schemas")
    problems = files.check_all(settings.ROOT / "data")  # the app's own configuration, pages included
    if problems:
        raise EtlError("data files do not follow their schemas", problems)
    progress("indicator catalogue")
    indicators = catalogue.load_indicators()
    progress("region registry")
    region_table, changes = regions.load_registry()
    units = dict(zip(indicators["id"], indicators["unit"]))
    progress("curated facts")
    bundles = [facts.load_bundle()]
    progress("SSB snapshots")
    bundles.append(_without_empty_unknown_regions(ssb.load_bundle(), set(region_table["code"])))
    progress("imported files")
    bundles.append(store.load_bundle(indicators=units, known_regions=set(region_table["code"])))
    observations, superseded = combine(bundles)
    sources = _union([b.sources for b in bundles], SOURCE_COLUMNS, ["source_id"])
    progress("rates from their numerators and denominators")
    observations = derived.add_rates(observations, indicators, sources)
    observations = expected.add_missing(observations, catalogue.load_expected())
    progress("harmonising to today's region codes")
    current, breaks = regions.harmonise(observations, region_table, changes, indicators, target_date or date.today(),
                                        whole_sources=ssb.weighted_sources())
    progress("strategies")
    strategy_tables = strategies.load_strategies()
    categories = _union([b.categories for b in bundles], CATEGORY_COLUMNS, ["dimension", "code"])
    publishers = facts.load_publishers()
    sources["publisher_kind"] = facts.publisher_kinds(sources, publishers)
    sources["publisher_en"] = facts.publishers_in_english(sources, publishers)
    tables = {
        "indicator": indicators,
        "source": sources,
        "publisher": publishers,
        "partnership": _partnerships_today(changes, target_date or date.today()),
        "region": region_table,
        "region_change": changes,
        "dimension": _dimensions(categories),
        "category": categories,
        "observation": observations,
        "observation_superseded": superseded,
        "observation_current": current,
        "series_break": breaks,
        "comparability_break": catalogue.load_breaks(),
        **strategy_tables,
    }
    counts = {b.name: len(b.observations) for b in bundles}
    counts["superseded"] = len(superseded)
    return tables, counts


def _partnerships_today(changes: pd.DataFrame, today: date) -> pd.DataFrame:
    """The partnership list with each municipality's code today (1653 Melhus is 5028), so a
    place's page finds its programmes. Where a code was split since, the part that kept the
    name carries it (1504 Ålesund: 1507 in 2020, then 1508 beside Haram in 2024); '' if none did."""
    frame = facts.load_partnerships()
    frame["region_code_today"] = [regions.current_code(code, changes, on=today, since=f"{start}-01-01", name=name) or ""
                                  for code, name, start in zip(frame["region_code"], frame["name"], frame["period_start"])]
    return frame


def _dimensions(categories: pd.DataFrame) -> pd.DataFrame:
    """Dimension labels: curated ones from data/facts/dimensions.csv, SSB ones from the table list.
    A dimension that arrives only with an imported file is labelled by its own name."""
    labelled = pd.concat([facts.load_dimensions(), ssb.load_dimensions()], ignore_index=True)
    unlabelled = sorted(set(categories["dimension"]) - set(labelled["dimension"]))
    named = pd.DataFrame({"dimension": unlabelled, "label_nb": unlabelled, "label_nn": unlabelled, "label_en": unlabelled})
    return pd.concat([labelled, named], ignore_index=True).drop_duplicates("dimension").reset_index(drop=True)


def build(command: str = "build", progress: Progress = lambda _: None) -> publish.Published:
    """Collect, check and publish; the run is logged whether it succeeds or fails."""
    run = runlog.Run(command)
    try:
        tables, counts = collect(progress)
        run.rows = counts
        progress("checking and publishing")
        published = publish.publish(tables, run)
    except BaseException as exc:  # also Ctrl-C: the log must say the run did not publish
        run.finish("failed", _one_line(exc))
        raise
    run.finish("ok", f"published data version {published.data_version}")
    return published


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 2000 else text[:2000] + " ..."
