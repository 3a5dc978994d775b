"""What is new, end to end: `python -m etl refresh` against the fake SSB (TEST tables under the
real table ids), the upstream table gets a new year, a second refresh publishes it, and the
Atom feed and /nytt gain an entry naming that indicator and linking its public chart."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import app as app_module
from boligsosial.text import i18n
from boligsosial.warehouse import series_rows
from tests.atom_check import ATOM, check_feed
from tests.fake_pxweb import fake_ssb  # noqa: F401  (fixture)
from tests.html_doc import HtmlDoc

pytestmark = pytest.mark.integration  # refreshes against the fake SSB over HTTP, in subprocesses

ROOT = Path(__file__).resolve().parent.parent
INDICATOR = "municipal_dwellings_per_1000"  # what the TEST table 12008 feeds (data/ssb_tables.yaml)


@pytest.fixture
def fast_http(monkeypatch):
    monkeypatch.setenv("BOLIG_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("BOLIG_HTTP_TIMEOUT", "1")


def refresh() -> None:
    result = subprocess.run([sys.executable, "-m", "etl", "refresh", "--skip-regions"], cwd=ROOT, env=os.environ.copy(),
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr


def _entries(client) -> list:
    return check_feed(client.get("/nytt.atom").data).findall(ATOM + "entry")


def test_a_refresh_that_brings_a_new_year_adds_a_feed_entry_naming_the_indicator(fake_ssb, fast_http):
    client = app_module.server.test_client()
    refresh()
    before = _entries(client)
    title = series_rows.indicator(INDICATOR)["title_nb"]
    assert not any(title in entry.findtext(ATOM + "title") for entry in before)

    table = fake_ssb.tables["12008"]
    table.time.codes.append("2025")  # SSB publishes a new year
    table.updated = "2026-11-20T07:00:00Z"
    refresh()

    after = _entries(client)
    assert len(after) == len(before) + 1
    entry = after[0]  # newest first
    assert title in entry.findtext(ATOM + "title")
    related = {link.get("href") for link in entry.findall(ATOM + "link") if link.get("rel") == "related"}
    assert f"http://localhost/figur/{INDICATOR}" in related
    assert i18n.t("nytt.kind.new_periods", "nb", periods="2025", figures="").split("(")[0] in entry.findtext(ATOM + "summary")
    page = HtmlDoc(client.get("/nytt").get_data(as_text=True))
    assert f"{title}: nye perioder: 2025" in page.text
    assert f"/figur/{INDICATOR}" in {a["href"] for a in page.all("a")}
    # The chart it links answers, with the new year in it.
    chart = client.get(f"/figur/{INDICATOR}")
    assert chart.status_code == 200 and "2025" in HtmlDoc(chart.get_data(as_text=True)).text
