"""The website's own pages and promises in Chromium, against gunicorn serving the bundled data
published twice (the second time with TEST changes, so /nytt has a history to show):

- /nytt, /tilgjengelighet and /personvern at 1280 and 360 px in all three languages: no sideways
  scrolling, no console errors, axe-core finds no WCAG 2.1 A/AA violation (screenshots in
  tests/artifacts/screenshots/);
- the accessibility statement stays true: axe runs on every app page and on public chart
  pages of each kind, in bokmål, nynorsk and English and at both widths, and every violation it finds must
  be listed in data/pages/tilgjengelighet.yaml (under an issue's `axe` rules);
- the keyboard walkthrough the statement describes: Tab from the top of each app page reaches
  the skip link first and then every visible link, button and field, each with a visible focus;
- the preview picture of /figur/homeless as a social network fetches it.
"""
from __future__ import annotations

import json
import struct
import urllib.request

import pytest

from boligsosial.config import page_config
from tests.browser.conftest import ROOT
from tests.history_warehouse import collect, publish_to, with_new_homeless_figures
from tests.live_server import start_gunicorn

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # `npm ci` (make test) installs it
AXE_REPORTS = ROOT / "tests" / "artifacts" / "axe"
AXE_TAGS = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']"
NEW_PAGES = {"nytt": "/nytt", "tilgjengelighet": "/tilgjengelighet", "personvern": "/personvern"}
APP_PAGES = ["/", "/bostedslose", "/vanskeligstilte", "/strategier", "/kommuner", "/kommuner?region=0301",
             "/data", "/data/api", "/status", *NEW_PAGES.values()]
# One public page of each kind the template draws: a line, bars by a dimension, estimates; and an embed.
PUBLIC_PAGES = ["/figur/homeless", "/figur/homeless_share?by=situation&from=2020&to=2020", "/figur/disadvantaged",
                "/embed/homeless"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Base URL of gunicorn serving the bundled data with a publishing history."""
    folder = tmp_path_factory.mktemp("site")
    tables = collect(folder / "snapshots")
    target = folder / "warehouse.duckdb"
    publish_to(tables, target)
    publish_to(with_new_homeless_figures(tables)[0], target, "refresh")
    server = start_gunicorn(target, folder)
    yield server.url
    server.stop()


def _with_lang(path: str, lang: str) -> str:
    if lang == "nb":
        return path
    return path + ("&" if "?" in path else "?") + f"lang={lang}"


def _axe(browser, url: str, width: int) -> list[dict]:
    # The page's Content-Security-Policy rightly refuses injected scripts; axe is the test's own.
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(f"() => axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS}}}}})")
    context.close()
    return [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]), "help": v["help"],
             "first": v["nodes"][0]["target"] if v["nodes"] else []} for v in result["violations"]]


# ------------------------------------------------------------------------------ the new pages


@pytest.mark.parametrize("name", NEW_PAGES)
@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
@pytest.mark.parametrize("width", [1280, 360])
def test_each_new_page_reads_well_and_has_no_accessibility_violation(browser, open_page, site, screenshot_dir, name,
                                                                     lang, width):
    url = site + _with_lang(NEW_PAGES[name], lang)
    page, errors = open_page(url, width=width)
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator("h1").count() == 1
    assert errors == []
    page.screenshot(path=str(screenshot_dir / f"{name}{'' if lang == 'nb' else '-' + lang}-{width}.png"), full_page=True)
    violations = _axe(browser, url, width)
    assert violations == [], violations


def test_nytt_links_each_changed_indicator_to_its_chart(open_page, site):
    page, errors = open_page(site + "/nytt")
    latest = page.locator("section.release").first
    latest.get_by_role("link", name="Bostedsløse").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/figur/homeless")
    assert page.locator("h1").inner_text() == "Bostedsløse"
    assert errors == []


def test_the_footer_leads_to_the_statement_and_the_privacy_page(open_page, site):
    for start in ("/bostedslose", "/figur/homeless"):
        page, errors = open_page(site + start)
        page.locator("footer").get_by_role("link", name="Tilgjengelighetserklæring").click()
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").inner_text().replace("\u00ad", "") == "Tilgjengelighetserklæring"
        page.locator("footer").get_by_role("link", name="Personvern").click()
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").inner_text() == "Personvern"
        assert page.context.cookies() == []  # as the page says: nothing stored
        assert errors == []


# ------------------------------------------------------------------------------ the statement stays true


def _listed_rules() -> dict[str, str]:
    """axe rule -> the success criterion the statement lists it under."""
    issues = page_config.load("pages/tilgjengelighet.yaml").get("known_issues") or []
    return {rule: str(issue["criterion"]) for issue in issues for rule in issue.get("axe", [])}


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_every_violation_axe_finds_is_listed_in_the_accessibility_statement(browser, site, lang, width):
    listed = _listed_rules()
    found = {}
    for path in APP_PAGES + PUBLIC_PAGES:
        for violation in _axe(browser, site + _with_lang(path, lang), width):
            found.setdefault(violation["id"], []).append({"page": path, **violation})
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / f"statement-sweep-{lang}-{width}.json").write_text(json.dumps(found, indent=2), encoding="utf-8")
    unlisted = {rule: pages for rule, pages in found.items() if rule not in listed}
    assert unlisted == {}, "axe found violations that /tilgjengelighet does not list: " + json.dumps(unlisted, indent=1)


# ------------------------------------------------------------------------------ keyboard walkthrough

# Everything a keyboard should reach on the page as it is shown: enabled links, buttons, fields
# and boxes made focusable, not hidden (closed <details> too), not taken out of the tab order.
FOCUSABLE = """() => [...document.querySelectorAll(
    'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), '
  + 'textarea:not([disabled]), summary, [tabindex]')]
  .filter(el => el.tabIndex >= 0 && el.checkVisibility({visibilityProperty: true}) && !el.closest('[inert]'))
  .map(el => el.outerHTML.slice(0, 160))"""
ACTIVE = """() => { const el = document.activeElement; const s = getComputedStyle(el);
  return {html: el === document.body ? '' : el.outerHTML.slice(0, 160),
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1, shadow: s.boxShadow !== 'none'}; }"""


@pytest.mark.parametrize("path", APP_PAGES)
def test_tab_reaches_the_skip_link_first_then_everything_with_a_visible_focus(open_page, site, path):
    page, errors = open_page(site + path)
    expected = page.evaluate(FOCUSABLE)
    reached, unseen = [], []
    for _ in range(len(expected) + 5):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        if not active["html"] or (reached and active["html"] == reached[0]):
            break  # out of the page (the browser's own controls) or round again
        reached.append(active["html"])
        if not (active["outline"] or active["shadow"]):
            unseen.append(active["html"])
    assert reached and 'class="skip-link"' in reached[0]
    assert [element for element in expected if element not in reached] == []
    assert unseen == [], "focus not visible on: " + "; ".join(unseen[:5])
    assert errors == []


# ------------------------------------------------------------------------------ the preview picture


def test_the_preview_of_figur_homeless_is_what_a_social_network_fetches(open_page, site, screenshot_dir):
    page, _ = open_page(site + "/figur/homeless")
    image = page.locator('meta[property="og:image"]').get_attribute("content")
    assert image == page.locator('meta[name="twitter:image"]').get_attribute("content")
    assert image.startswith(site + "/figur/homeless/preview.png?")
    # A crawler sends no cookies, no JavaScript; just the URL.
    with urllib.request.urlopen(urllib.request.Request(image, headers={"User-Agent": "facebookexternalhit/1.1"})) as answer:
        body = answer.read()
        assert answer.status == 200 and answer.headers["Content-Type"] == "image/png"
    assert struct.unpack(">II", body[16:24]) == (1200, 630)
    (screenshot_dir / "preview-figur-homeless.png").write_bytes(body)
