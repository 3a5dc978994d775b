"""SSB KLASS: the classifications of municipalities (131) and counties (104) with their history.

`refresh` asks KLASS for every code valid at any time since 2005 and every code change in the
same span, checks that the answers have the shape we read, and stores them as snapshots
(namespace "klass"). It asks four questions, not one per year: the `codes?from=&to=` endpoint
returns each code version with the window it was valid in (`validFromInRequestedRange`,
`validToInRequestedRange`), which is all the registry needs.

Nothing is stored unless all four answers pass the shape check, so a changed API never leaves
a half-refreshed registry behind. etl/regions.py reads the snapshots; nothing else is rewritten.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from boligsosial.config import settings
from etl import snapshot
from etl.errors import UpstreamChanged
from etl.http import HttpClient, Reply

NAMESPACE = "klass"
MUNICIPALITIES = "131"  # Standard for kommuneinndeling
COUNTIES = "104"  # Standard for fylkesinndeling
CLASSIFICATIONS = (MUNICIPALITIES, COUNTIES)
HISTORY_START = date(2005, 1, 1)

CODE_FIELDS = ("code", "name")
RANGE_FIELDS = ("validFromInRequestedRange", "validToInRequestedRange")
CHANGE_FIELDS = ("oldCode", "oldName", "newCode", "newName", "changeOccurred")


class Klass:
    """The three KLASS endpoints the registry uses. Each returns the HTTP Reply: its bytes are
    what a snapshot stores, its URL (with the query) records exactly what was asked."""

    def __init__(self, client: HttpClient | None = None, base_url: str | None = None):
        self.client = client or HttpClient()
        self.base = (base_url or settings.klass_base_url()).rstrip("/")

    def _get(self, classification: str, endpoint: str, params: dict) -> Reply:
        return self.client.get(f"{self.base}/classifications/{classification}/{endpoint}.json", params=params)

    def codes_at(self, classification: str, on: date) -> Reply:
        """Codes valid on one date: {"codes": [{"code", "name", ...}]}."""
        return self._get(classification, "codesAt", {"date": on.isoformat()})

    def codes(self, classification: str, from_date: date, to_date: date) -> Reply:
        """Every code version valid at some time in [from_date, to_date), with its window."""
        return self._get(classification, "codes", {"from": from_date.isoformat(), "to": to_date.isoformat()})

    def changes(self, classification: str, from_date: date, to_date: date) -> Reply:
        """Code changes (merges, splits, renumberings, renamings): {"codeChanges": [...]}."""
        return self._get(classification, "changes", {"from": from_date.isoformat(), "to": to_date.isoformat()})


def codes_name(classification: str, from_date: date, to_date: date) -> str:
    return f"{classification}-codes-{from_date.isoformat()}-{to_date.isoformat()}.json"


def changes_name(classification: str, from_date: date, to_date: date) -> str:
    return f"{classification}-changes-{from_date.isoformat()}-{to_date.isoformat()}.json"


def check_codes(document, url: str, *, ranged: bool) -> None:
    """Raise UpstreamChanged unless the answer is {"codes": [...]} with the fields we read."""
    fields = CODE_FIELDS + (RANGE_FIELDS if ranged else ())
    _check_list(document, "codes", fields, url)
    if not document["codes"]:
        raise UpstreamChanged(f"KLASS answered {url} with an empty code list; nothing was stored")


def check_changes(document, url: str) -> None:
    """Raise UpstreamChanged unless the answer is {"codeChanges": [...]} with the fields we read."""
    _check_list(document, "codeChanges", CHANGE_FIELDS, url)


def _check_list(document, key: str, fields: tuple[str, ...], url: str) -> None:
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        found = sorted(document) if isinstance(document, dict) else type(document).__name__
        raise UpstreamChanged(
            f"KLASS answered {url} without a {key!r} list (found {found}); the API may have changed, "
            "so nothing was stored"
        )
    problems = []
    for position, item in enumerate(document[key]):
        missing = [f for f in fields if not isinstance(item, dict) or f not in item]
        if missing:
            problems.append(f"{key}[{position}] lacks {missing}")
        if len(problems) >= 5:  # enough to see the pattern
            break
    if problems:
        raise UpstreamChanged(f"KLASS answered {url} with {key} entries of an unknown shape; nothing was stored", problems)


def refresh(client: HttpClient | None = None, root: Path | None = None, today: date | None = None) -> list[snapshot.Snapshot]:
    """Fetch codes and changes of 131 and 104 from 2005 to today and store them as snapshots.

    `to` is tomorrow so that codes valid today fall inside the half-open window. Returns the
    stored snapshots, or raises UpstreamError / UpstreamChanged having stored nothing."""
    klass = Klass(client)
    to_date = (today or date.today()) + timedelta(days=1)
    answers: list[tuple[str, Reply]] = []  # checked first, stored only when all four are good
    for classification in CLASSIFICATIONS:
        reply = klass.codes(classification, HISTORY_START, to_date)
        check_codes(reply.json(), reply.url, ranged=True)
        answers.append((codes_name(classification, HISTORY_START, to_date), reply))
        reply = klass.changes(classification, HISTORY_START, to_date)
        check_changes(reply.json(), reply.url)
        answers.append((changes_name(classification, HISTORY_START, to_date), reply))
    window = {"from": HISTORY_START.isoformat(), "to": to_date.isoformat()}
    return [
        snapshot.store(NAMESPACE, name, reply.content, url=reply.url, extra=window, root=root)
        for name, reply in answers
    ]
