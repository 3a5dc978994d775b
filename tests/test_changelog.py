"""What changed between published warehouses (etl/changelog.py): recorded at publish by
comparing the new warehouse with the one it replaces, carried over from version to version,
and never in the way of publishing. The tables are the bundled data's, changed in memory."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from boligsosial.config import settings
from etl import publish, runlog
from tests.history_warehouse import collect, with_new_homeless_figures
from tests.history_warehouse import national as _national


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    return collect(tmp_path_factory.mktemp("snapshots"))


def _publish(tables: dict, command: str = "build") -> publish.Published:
    return publish.publish(tables, runlog.Run(command))


def _read(sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path()), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _changes(version: str) -> dict[tuple[str, str], tuple]:
    rows = _read(f"SELECT kind, coalesce(indicator_id, source_id), periods, figures FROM change_log "
                 f"WHERE data_version = '{version}'")
    return {(kind, subject): (periods, figures) for kind, subject, periods, figures in rows}


def test_the_first_publish_records_its_version_with_nothing_to_compare(collected):
    first = _publish(collected)
    assert _read("SELECT data_version, previous_version, command FROM data_release") == [(first.data_version, None, "build")]
    assert _read("SELECT count(*) FROM change_log") == [(0,)]


def test_the_same_data_again_adds_no_version(collected):
    first = _publish(collected)
    again = _publish(collected)
    assert again.data_version == first.data_version
    assert _read("SELECT data_version FROM data_release") == [(first.data_version,)]


def test_a_changed_figure_a_new_period_and_an_updated_source_are_recorded(collected):
    first = _publish(collected)
    observations = collected["observation"]
    assert observations.loc[_national(observations, "homeless", "2020"), "value"].iloc[0] == 3325
    # 2024 is an expected survey year without a figure (status "..."): now it gets one.
    assert observations.loc[_national(observations, "homeless", "2024"), "value"].isna().all()
    changed, source_id = with_new_homeless_figures(collected)

    second = _publish(changed, "refresh")

    releases = _read("SELECT data_version, previous_version, command FROM data_release ORDER BY rowid")
    assert releases == [(first.data_version, None, "build"), (second.data_version, first.data_version, "refresh")]
    changes = _changes(second.data_version)
    assert changes == {
        ("new_periods", "homeless"): ("2024", 1),
        ("changed_values", "homeless"): ("2020", 1),
        ("source_updated", source_id): (None, None),
    }
    # The source is named as published, with its address, so the page can link it.
    label, url = _read("SELECT label, url FROM change_log WHERE kind = 'source_updated'")[0]
    assert label.startswith("OsloMet: ") and url.startswith("https://")


def test_history_is_carried_over_and_each_version_keeps_its_own_changes(collected):
    _publish(collected)
    observations = collected["observation"].copy()
    observations.loc[_national(observations, "homeless", "2020"), "value"] = 3326.0
    second = _publish({**collected, "observation": observations})
    observations = observations.copy()
    observations.loc[_national(observations, "homeless", "2016"), "value"] = 3910.0
    third = _publish({**collected, "observation": observations})

    assert [row[0] for row in _read("SELECT data_version FROM data_release ORDER BY rowid")][-2:] == \
        [second.data_version, third.data_version]
    assert _changes(second.data_version) == {("changed_values", "homeless"): ("2020", 1)}
    assert _changes(third.data_version) == {("changed_values", "homeless"): ("2016", 1)}


def test_added_and_removed_figures_and_indicators(collected):
    _publish(collected)
    observations = collected["observation"]
    indicators = collected["indicator"]
    # A new region in a period already published; a figure taken out; an indicator dropped.
    extra = observations[_national(observations, "homeless", "2020")].assign(region_code="03", value=1000.0)
    dropped = _national(observations, "homeless", "1996")
    gone = "homeless_mean_age"
    assert (observations.indicator_id == gone).any()
    kept = observations[~dropped & (observations.indicator_id != gone)]
    second = _publish({**collected, "observation": pd.concat([kept, extra], ignore_index=True),
                       "indicator": indicators[indicators.id != gone]})
    changes = _changes(second.data_version)
    assert changes[("added_figures", "homeless")] == ("2020", 1)
    assert changes[("removed_figures", "homeless")] == ("1996", 1)
    assert changes[("removed_indicator", gone)][1] > 0


def test_a_previous_warehouse_without_the_log_is_still_compared(collected):
    first = _publish(collected)
    con = duckdb.connect(str(settings.warehouse_path()))
    con.execute("DROP TABLE change_log")
    con.execute("DROP TABLE data_release")
    con.close()
    observations = collected["observation"].copy()
    observations.loc[_national(observations, "homeless", "2020"), "value"] = 3326.0
    second = _publish({**collected, "observation": observations})
    assert _read("SELECT data_version, previous_version FROM data_release") == [(second.data_version, first.data_version)]
    assert _changes(second.data_version) == {("changed_values", "homeless"): ("2020", 1)}


def test_an_unreadable_previous_warehouse_is_said_not_hidden_and_does_not_stop_publishing(collected):
    settings.warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    settings.warehouse_path().write_bytes(b"not a database")
    published = _publish(collected)
    assert _read("SELECT data_version FROM meta JOIN data_release ON value = data_version WHERE key = 'data_version'") == \
        [(published.data_version,)]
    assert _changes(published.data_version) == {("not_compared", None): (None, None)}


def test_the_log_is_not_part_of_the_data_version(collected):
    """The same figures published again after a change get their first version back (the
    version names the figures, for caches and ETags); the log lists that version where it was
    published last, with what it changed from the version before."""
    first = _publish(collected)
    observations = collected["observation"].copy()
    observations.loc[_national(observations, "homeless", "2020"), "value"] = 3326.0
    second = _publish({**collected, "observation": observations})
    back = _publish(collected)
    assert back.data_version == first.data_version
    assert _read("SELECT data_version, previous_version FROM data_release ORDER BY rowid") == \
        [(second.data_version, first.data_version), (first.data_version, second.data_version)]
    assert _changes(first.data_version) == {("changed_values", "homeless"): ("2020", 1)}
