"""The region explorer's view, read from the URL: which place (by today's code; an old code
or a search leads there, with a note), which figure, count or rate, scope, places to compare
and period. Open-ended values are checked against the warehouse; anything not understood is
left out and named in the page's notice, never an error. pages/kommuner.py sets the view out."""
from __future__ import annotations

import re
from typing import Any, Mapping

from boligsosial.domain import explorer, gazetteer, url_state
from boligsosial.domain.explorer import Offer
from boligsosial.domain.gazetteer import Gazetteer, Place
from boligsosial.domain.url_state import Choice, View
from boligsosial.text.numbers import is_missing
from boligsosial.warehouse import db

PATH = "/kommuner"
# Parameters whose values are open-ended (codes, periods, text): checked here, not by url_state.
FREE = ("region", "compare", "period", "sted")
_CODE = re.compile(r"[0-9]{1,4}")
_PERIOD = re.compile(r"[0-9]{4}(-[0-9A-Z]{2,3})?")


class State:
    """The page's view: the url_state View (every parameter, for links) and what it means. (A
    plain class: Dash imports page modules in a way dataclasses cannot inspect.)"""

    def __init__(self, view: View, offer: Offer, measure: str, scope: str):
        self.view, self.offer, self.measure, self.scope = view, offer, measure, scope
        self.place: Place | None = None
        self.compare: list[Place] = []
        self.period: str | None = None
        self.notes: list[str] = []  # how an old name or number led to today's place
        self.lookup: gazetteer.Lookup | None = None  # a search that did not find exactly one place
        self._profile: list[explorer.ProfileLine] | None = None

    def profile(self) -> list[explorer.ProfileLine]:
        """The place's profile (explorer.profile), read once per view: choosing the figure and
        drawing the profile both need it. The place is fixed once read() has returned."""
        if self._profile is None:
            self._profile = explorer.profile(self.place, gazetteer.load(), self.view.lang)
        return self._profile

    def link(self, fragment: str = "", **changes: str) -> str:
        """This view with `changes`, at `fragment` on the page."""
        return self.view.url(PATH, fragment=fragment, **changes)


def choices(card_choices: list[Choice]) -> list[Choice]:
    settings = explorer.config()
    ids = [o.id for o in explorer.offers()]
    default = settings["default_indicator"]
    measure = settings.get("default_measure", "rate")
    return [
        Choice("region", ("",)),
        Choice("indicator", (default, *[i for i in ids if i != default])),
        Choice("measure", (measure, *[m for m in explorer.MEASURES if m != measure])),
        Choice("scope", explorer.SCOPES),
        Choice("compare", ("",)),
        Choice("period", ("",)),
        Choice("kart", ("fylke", "kommune")),
        *card_choices,
    ]


def read(query: Mapping[str, Any], lang: Any, card_choices: list[Choice]) -> State:
    """The view from the URL. Open-ended values (region codes, the compare list, the period, a
    search) are checked against the warehouse; anything not understood is named in the notice
    and left out, never an error."""
    view = url_state.read({k: v for k, v in query.items() if k not in FREE}, choices(card_choices), lang)
    offer = explorer.offer(view.get("indicator"))
    state = State(view, offer, offer.measure(view.get("measure")), view.get("scope"))
    try:
        gaz = gazetteer.load()
    except db.WarehouseUnavailable:
        return state  # the page says the database is missing; nothing more to check
    raw = {name: url_state.first(query.get(name)) for name in FREE}
    if raw["region"] is not None:
        place, notes = place_for_code(gaz, raw["region"], view.lang)
        if place is None:
            view.rejected.append("region")
        else:
            state.place, state.notes = place, notes
    if isinstance(raw["sted"], str) and raw["sted"].strip():
        lookup = gaz.resolve(raw["sted"])
        if len(lookup.matches) == 1:
            state.place = lookup.matches[0].place
            state.notes = [gazetteer.step_text(step, view.lang) for step in lookup.matches[0].steps]
        else:
            state.lookup, state.place, state.notes = lookup, None, []
    elif raw["sted"] is not None and not isinstance(raw["sted"], str):
        view.rejected.append("sted")
    if state.place is not None:
        view.values["region"] = state.place.code
        if "indicator" not in query:  # no figure asked for: the first one this place has figures for
            first_with_figures(state)
    else:
        view.values.pop("region", None)
    if raw["compare"] is not None:
        codes = [c.strip() for c in str(raw["compare"]).split(",") if c.strip()] if isinstance(raw["compare"], str) else None
        places = [place_for_code(gaz, code, view.lang)[0] for code in codes or []]
        limit = int(explorer.config().get("compare_limit", 6))
        if codes is None or None in places or len(places) > limit:
            view.rejected.append("compare")
        chosen = [p for p in places if p is not None and (state.place is None or p.code != state.place.code)]
        state.compare = list({p.code: p for p in chosen}.values())[:limit]
        if state.compare:
            view.values["compare"] = ",".join(p.code for p in state.compare)
    if raw["period"] is not None:
        period = raw["period"] if isinstance(raw["period"], str) else ""
        if state.place is not None and _PERIOD.fullmatch(period) and period in periods(state, gaz):
            state.period = view.values["period"] = period
        else:
            view.rejected.append("period")
    return state


def first_with_figures(state: State) -> None:
    """Make the figure shown the first the explorer offers that the place has a figure for
    (the configured default when it has, or when it has none at all)."""
    have = {line.indicator_id for line in state.profile() if not is_missing(line.latest.get("value"))}
    offers = explorer.offers()
    if any(i in have for i in (state.offer.count, state.offer.rate) if i):
        return
    found = next((o for o in offers if any(i in have for i in (o.count, o.rate) if i)), None)
    if found is not None:
        state.offer = found
        state.measure = found.measure(state.measure if getattr(found, state.measure) in have else
                                      ("count" if found.count in have else "rate"))
        state.view.values["indicator"] = found.id
        state.view.values["measure"] = state.measure


def place_for_code(gaz: Gazetteer, text: Any, lang: str) -> tuple[Place | None, list[str]]:
    """Today's place for a code in the URL (an old code from an old link leads to today's place,
    with a note); None when the code is not a region or leads to several places."""
    if not isinstance(text, str) or not _CODE.fullmatch(text.strip()):
        return None, []
    lookup = gaz.resolve(text.strip())
    if len(lookup.matches) != 1:
        return None, []
    return lookup.matches[0].place, [gazetteer.step_text(s, lang) for s in lookup.matches[0].steps]


def periods(state: State, gaz: Gazetteer) -> list[str]:
    level = state.place.level if state.place and state.place.level != "country" else "county"
    return explorer.periods_with_values(explorer.series(state.offer.indicator(state.measure), state.view.lang, level=level))
