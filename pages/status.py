"""Status: which data is being served, when it was built, and whether the latest ETL run
failed (and why). For readers who wonder whether the figures are current, and for whoever runs
the site. Written on the server from the warehouse's meta table and the ETL run log
(boligsosial.warehouse.runs), so it works when the warehouse does not.
"""
from __future__ import annotations

from datetime import datetime, timezone

import dash
from dash import html

from boligsosial.config import settings
from boligsosial.domain import explorer
from boligsosial.text.i18n import language, t
from boligsosial.text.numbers import format_date, format_number
from boligsosial.ui import components
from boligsosial.warehouse import db, place_rows, runs

PATH = "/status"
REASON_CHARS = 600  # a failed run's message can be long (every failed table); the log has it all

dash.register_page(
    __name__,
    path=PATH,
    name="Status",
    title="Status – Boligsosial statistikk",
    description="Hvilke data som vises, når de ble bygget, og om siste oppdatering gikk bra.",
    order=90,
    title_id="page.status.title",
    description_id="page.status.description",  # in the reader's language, for shared links
)


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = language(lang)
    summary = runs.summarise(runs.read_runs())
    content = [
        html.H1(t("page.status.heading", lang)),
        html.H2(t("page.status.data_heading", lang)),
        *_data(lang),
        html.H2(t("page.status.runs_heading", lang)),
        *_latest_run(summary, lang),
        _last_ok(summary, lang),
        *_operator(lang),
    ]
    return components.page(lang, PATH, content)


CHECK_COMMAND = "python -m etl check-upstream"


def _operator(lang: str) -> list:
    """Which command fills in or updates the municipal figures: for whoever runs the site, not
    on the public pages (/kommuner only says what there is and when it was updated)."""
    command = explorer.config()["refresh_command"]
    try:
        count = place_rows.explorer_levels().get("municipality", 0)
    except db.WarehouseUnavailable:
        count = 0
    state = (t("page.status.municipal_loaded", lang, count=format_number(count, 0, lang)) if count
             else t("page.status.municipal_missing", lang))
    return [
        html.H2(t("page.status.operator_heading", lang), id="operator"),
        html.P([state, " ", html.Code(command)], className="operator-refresh"),
        html.P([t("page.status.check_first", lang), " ", html.Code(CHECK_COMMAND)], className="operator-check"),
        html.P(t("page.status.failed_how", lang)),
    ]


def _data(lang: str) -> list:
    try:
        info = db.status()
    except db.WarehouseUnavailable:
        problem = "missing" if not settings.warehouse_path().exists() else "unreadable"
        return [
            html.P(t(f"page.status.data_{problem}", lang), className="notice notice-error", role="alert"),
        ]
    return [
        html.P(t("page.status.data_ok", lang, version=info["data_version"], built=_when(info["built_at"], lang)),
               className="data-version"),
    ]


def _latest_run(summary: runs.Summary, lang: str) -> list:
    latest = summary.latest
    if latest is None:
        return [html.P(t("page.status.no_runs", lang))]
    what = _command(latest, lang)
    when = _when(latest.get("finished") or latest["started"], lang)
    if summary.latest_failed:
        reason = (latest.get("message") or "").strip() or t("page.status.no_reason", lang)
        if len(reason) > REASON_CHARS:
            reason = reason[:REASON_CHARS] + " …"
        return [
            html.Div(
                className="notice notice-error latest-run-failed",
                role="alert",
                children=[
                    html.P(t("page.status.latest_failed", lang, command=what, when=when)),
                    # The ETL writes its messages in English.
                    html.P([t("page.status.reason", lang), " ", html.Code(reason, lang="en")]),
                    html.P(t("page.status.still_serving", lang)),
                ],
            )
        ]
    if latest.get("status") == runs.UNFINISHED:
        return [html.P(t("page.status.latest_unfinished", lang, command=what, when=when), className="latest-run-unfinished")]
    return [html.P(t("page.status.latest_ok", lang, command=what, when=when), className="latest-run-ok")]


def _last_ok(summary: runs.Summary, lang: str) -> html.P:
    run = summary.last_ok
    if run is None:
        return html.P(t("page.status.no_ok", lang), className="last-ok-run")
    return html.P(
        t("page.status.last_ok", lang, command=_command(run, lang), when=_when(run.get("finished") or run["started"], lang)),
        className="last-ok-run",
    )


def _command(run: dict, lang: str) -> str:
    command = str(run.get("command", ""))
    key = f"page.status.command.{command}"
    try:
        return t(key, lang)
    except KeyError:
        return command  # a command added to the ETL later: its own name is still true


def _when(timestamp: str, lang: str) -> str:
    """An ISO timestamp from the ETL as date and time in UTC; anything else as it came."""
    try:
        moment = datetime.fromisoformat(timestamp)
    except (TypeError, ValueError):
        return str(timestamp)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return t("page.status.when", lang, date=format_date(moment.date().isoformat(), lang), time=moment.strftime("%H:%M"))
