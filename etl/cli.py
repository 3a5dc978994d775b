"""python -m etl build | refresh | check-upstream | import FILE | status | find-tables TEXT

Exit codes (for scripts): 0 ok, 1 other ETL error, 2 usage, 3 upstream unreachable or failing,
4 upstream table changed shape, 5 import rejected, 6 validation failed (nothing published),
130 interrupted. Every error is one readable message on stderr, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tqdm import tqdm

from etl.errors import EtlError

EXIT_INTERRUPTED = 130


def _progress(total: int, desc: str):
    """A tqdm bar advanced by step names; quiet when stderr is not a terminal."""
    bar = tqdm(total=total, desc=desc, unit="step", disable=None, leave=False)

    def step(name: str) -> None:
        bar.set_postfix_str(name)
        bar.update(1)

    return bar, step


def cmd_build(args) -> int:
    from etl import build

    started = time.perf_counter()
    bar, step = _progress(9, "build")
    with bar:
        published = build.build("build", progress=step)
    _print_published(published, time.perf_counter() - started)
    return 0


def _print_published(published, seconds: float) -> None:
    print(f"Published {published.path} ({published.bytes / 1e6:.1f} MB) in {seconds:.1f} s, data version {published.data_version}")
    for table in ("observation", "observation_current", "source", "region", "indicator"):
        print(f"  {table:22} {published.rows.get(table, 0):>8} rows")


def cmd_refresh(args) -> int:
    from etl import build, klass, pxweb, runlog, ssb, ssb_lock

    errors: list[tuple[str, EtlError]] = []
    if not args.skip_regions:
        print("KLASS (regions) ...")
        try:
            klass.refresh()
        except EtlError as exc:
            errors.append(("KLASS", exc))
    print("SSB tables ...")
    names = args.tables or [entry.key for entry in ssb.load_table_list()]
    client = pxweb.PxWebClient()  # one client, so the rate limit holds across tables
    results = []
    with tqdm(total=len(names), desc="SSB", unit="table", disable=None, leave=False) as bar:
        for name in names:
            results += ssb.refresh([name], client=client, progress=bar.set_postfix_str)
            bar.update(1)
    for r in results:
        print(f"  {r.key:32} {r.table_id or '?':>6}  {r.status:10}  {r.message}")
        if r.status == "failed":
            errors.append((f"SSB {r.key}", r.error if isinstance(r.error, EtlError) else EtlError(r.message)))
    if any(r.locked for r in results):
        print(f"Resolved series were written to {ssb_lock.lock_path()}: review the labels and units, then commit it.")
    unresolved = [r.key for r in results if r.status == "unresolved"]
    if unresolved:
        print(f"Not found at SSB and left out (candidates): {', '.join(unresolved)}. "
              "`python -m etl check-upstream` shows what was looked at.", file=sys.stderr)
    if errors:
        details = [f"{where}: {exc}" for where, exc in errors]
        message = ("Refresh did not complete; the served database is unchanged. Snapshots that passed their "
                   "checks are kept and will be used by the next `python -m etl build`.")
        runlog.Run("refresh").finish("failed", "; ".join(details))
        # The exit code of the first failure tells a script what kind of fault it was.
        failure = EtlError(message, details)
        failure.exit_code = errors[0][1].exit_code
        raise failure
    started = time.perf_counter()
    published = build.build("refresh")
    _print_published(published, time.perf_counter() - started)
    return 0


def cmd_check_upstream(args) -> int:
    from etl import ssb

    return ssb.check_upstream(args.tables or None)


def cmd_import(args) -> int:
    from etl import catalogue, regions, snapshot
    from etl.imports import store

    indicators = catalogue.load_indicators()
    region_table, _ = regions.load_registry()
    result = store.import_file(
        Path(args.file),
        Path(args.mapping),
        indicators=dict(zip(indicators["id"], indicators["unit"])),
        known_regions=set(region_table["code"]),
    )
    print(result.message)
    try:
        return cmd_build(args)
    except (EtlError, KeyboardInterrupt):
        # The file passed its own checks but not the warehouse's (e.g. an implausible value):
        # take it out again so the next build is not blocked by it. Nothing is half loaded.
        if result.imported:
            snapshot.delete(result.snapshot)
            snapshot.delete(result.mapping_snapshot)
            print(f"{args.file} was not kept: the warehouse rejected it (see below).", file=sys.stderr)
        raise


def cmd_status(args) -> int:
    from etl import status

    print(status.report())
    return 0


def cmd_find_tables(args) -> int:
    from etl import ssb

    ssb.find_tables(" ".join(args.text))  # prints one line per table found
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m etl", description="Boligsosial statistikk: data pipeline")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build the warehouse from bundled data and stored snapshots (no network)").set_defaults(func=cmd_build)
    r = sub.add_parser("refresh", help="fetch SSB tables and KLASS regions (online), then build")
    r.add_argument("tables", nargs="*", help="entries of data/ssb_tables.yaml by key or table id (default: all)")
    r.add_argument("--skip-regions", action="store_true", help="do not refresh KLASS regions")
    r.set_defaults(func=cmd_refresh)
    c = sub.add_parser(
        "check-upstream",
        help="online, read-only: per SSB series, what a refresh would fetch and whether it matches data/ssb_lock.yaml",
        description=(
            "Asks SSB (table info and metadata, no data) about every entry of data/ssb_tables.yaml and prints, per entry "
            "and series: the table and ContentsCode a refresh would use (from data/ssb_lock.yaml, or resolved from SSB's "
            "catalogue when not locked yet), its label and unit, whether it matches the lock, and how many cells in how "
            "many requests a refresh would fetch (or that the stored snapshot is current). Writes nothing. "
            "Run it before trusting a refresh."),
        epilog=("exit codes: 0 a refresh would go through (candidates SSB does not seem to have are listed, not fatal); "
                "3 SSB unreachable or failing; 4 SSB differs from data/ssb_lock.yaml, or a table or series was not found; "
                "1 other error; 2 usage; 130 interrupted."),
    )
    c.add_argument("tables", nargs="*", help="entries by key or table id (default: all)")
    c.set_defaults(func=cmd_check_upstream)
    i = sub.add_parser("import", help="import a Husbanken-style or StatBank CSV/XLSX file, then build")
    i.add_argument("file")
    i.add_argument("--mapping", required=True, help="YAML file naming the columns (see data/import_mappings/README.md)")
    i.set_defaults(func=cmd_import)
    sub.add_parser("status", help="sources, rows, last fetch, what is stale").set_defaults(func=cmd_status)
    f = sub.add_parser("find-tables", help="search SSB's table list (online)")
    f.add_argument("text", nargs="+")
    f.set_defaults(func=cmd_find_tables)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except EtlError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: nothing was published; the served database is unchanged", file=sys.stderr)
        return EXIT_INTERRUPTED
