"""`python -m etl status`: what the served warehouse holds, where it came from, and what is stale."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import duckdb

from boligsosial.config import settings
from etl import runlog, snapshot, ssb

STALE_AFTER = timedelta(days=35)  # KOSTRA and register tables change yearly; a month is generous


def _age(fetched_at: str, now: datetime) -> timedelta | None:
    try:
        return now - datetime.fromisoformat(fetched_at)
    except (TypeError, ValueError):
        return None


def _warehouse_lines() -> tuple[list[str], list[tuple]]:
    path = settings.warehouse_path()
    if not path.exists():
        return [f"Warehouse: {path} is not built yet. Run `python -m etl build` (or `make run`)."], []
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        return [f"Warehouse: {path} cannot be opened ({exc.__class__.__name__}): rebuild with `python -m etl build`."], []
    try:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        sources = con.execute(
            """SELECT s.kind, s.publisher, coalesce(nullif(s.table_id, ''), s.title), s.fetched_at, count(o.value) AS n_values,
                      count(o.source_id) AS n_rows
               FROM source s LEFT JOIN observation o USING (source_id)
               GROUP BY ALL ORDER BY s.kind, s.publisher, 3"""
        ).fetchall()
        total = con.execute("SELECT count(*) FROM observation").fetchone()[0]
        kinds = source_kind_counts(con)
    finally:
        con.close()
    lines = [
        f"Warehouse: {path} ({path.stat().st_size / 1e6:.1f} MB)",
        f"  data version {meta.get('data_version')}, built {meta.get('built_at')}, {total} observations",
        *source_kind_lines(kinds),
    ]
    return lines, sources


# A shown figure is an observation with a value. It "rests on" its source: a derived figure is
# counted as derived whatever it was derived from, the rest by their publisher's kind.
_SOURCE_KINDS_SQL = """
    SELECT (s.kind = 'curated') AS curated,
           CASE WHEN o.derived THEN 'derived'
                WHEN s.publisher_kind IN ('primary', 'secondary') THEN s.publisher_kind
                ELSE 'unclassified' END AS basis,
           count(*) AS n
    FROM observation o JOIN source s USING (source_id)
    WHERE o.value IS NOT NULL
    GROUP BY ALL
"""


def source_kind_counts(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int]]:
    """{"all": {basis: n}, "curated": {basis: n}} for shown figures; basis is primary, secondary,
    derived or unclassified."""
    counts: dict[str, dict[str, int]] = {"all": {}, "curated": {}}
    for curated, basis, n in con.execute(_SOURCE_KINDS_SQL).fetchall():
        counts["all"][basis] = counts["all"].get(basis, 0) + n
        if curated:
            counts["curated"][basis] = n
    return counts


def secondary_share(counts: dict[str, int]) -> float:
    total = sum(counts.values())
    return 100.0 * counts.get("secondary", 0) / total if total else 0.0


def source_kind_lines(kinds: dict[str, dict[str, int]]) -> list[str]:
    lines = []
    for scope, label in (("all", "all shown figures"), ("curated", "curated figures")):
        counts = kinds[scope]
        shown = [b for b in ("primary", "secondary", "derived", "unclassified") if counts.get(b) or b != "unclassified"]
        parts = ", ".join(f"{counts.get(b, 0)} {b}" for b in shown)
        lines.append(f"  resting on a secondary source: {counts.get('secondary', 0)} of {sum(counts.values())} {label}"
                     f" ({secondary_share(counts):.1f} %; {parts})")
    return lines


def report(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    lines, sources = _warehouse_lines()

    lines.append("")
    lines.append(f"Sources in the warehouse ({len(sources)}):")
    lines.append(f"  {'kind':8} {'rows':>6}  {'last fetch':25} source")
    for kind, publisher, title, fetched_at, _values, rows in sources:
        lines.append(f"  {kind:8} {rows:>6}  {str(fetched_at or '')[:25]:25} {publisher}: {title[:70]}")

    lines.append("")
    lines.append("SSB tables in data/ssb_tables.yaml:")
    for table in ssb.load_table_list():
        snaps = [s for s in snapshot.list_snapshots("ssb") if s.extra.get("entry") == table.key and s.extra.get("kind") == "table"]
        if not snaps:
            lines.append(f"  {table.key:32} never fetched: STALE (run `python -m etl refresh` when online)")
            continue
        latest = max(snaps, key=lambda s: s.fetched_at)
        age = _age(latest.fetched_at, now)
        stale = "STALE" if age is None or age > STALE_AFTER else "fresh"
        lines.append(f"  {table.key:32} table {latest.extra.get('table_id', '?')}, fetched {latest.fetched_at}, "
                     f"SSB updated {latest.extra.get('updated', '?')}: {stale}")

    klass = snapshot.list_snapshots("klass")
    lines.append("")
    if klass:
        lines.append(f"Regions: {len(klass)} KLASS snapshots, newest fetched {max(s.fetched_at for s in klass)}")
    else:
        lines.append("Regions: bundled registry in data/regions/ (run `python -m etl refresh` when online to update from KLASS)")

    runs = runlog.read_runs()
    lines.append("")
    lines.append("Recent ETL runs:" if runs else "No ETL runs recorded yet.")
    for run in runs[-5:]:
        message = (run.get("message") or "").splitlines()[0:1]
        lines.append(f"  {run['started']}  {run['command']:8} {run['status']:11} {message[0][:90] if message else ''}")
    failed = [r for r in runs if r["status"] in ("failed", "interrupted")]
    if failed and runs[-1]["status"] != "ok":
        lines.append("  The latest run did not publish: the warehouse above is the last good version.")
    return "\n".join(lines)
