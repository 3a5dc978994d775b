"""Imports are bounded by what they expand to (issue 14, finding 3): an .xlsx by the bytes it
unpacks to, its rows and its cells, before and while it is read; a mapping by the values its
YAML aliases expand to; the list of problems by MAX_PROBLEMS. Every rejection exits 5 with a
message that names the limit. All files here are TEST DATA written into tmp_path."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Iterator

import openpyxl
import pytest

from etl.errors import ImportRejected
from etl.imports import check, problems, readers
from tests.live_server import ROOT

INDICATORS = {"housing_allowance_households": "households"}
REGIONS = {"0", "0301"}
MAPPING = """indicator: housing_allowance_households
unit: households
source: {publisher: TEST DATA publisher, title: TEST DATA, url: "https://example.org/test-data"}
columns: {region: Kommunenummer, period: Måned, value: Antall}
"""
HEADER = ["Kommunenummer", "Måned", "Antall"]
# A CLI run may use this much memory at most (bytes of address space): the bombs below would
# need gigabytes, so without their limits they end in MemoryError (exit 1) instead of exit 5.
MEMORY_CAP = 3 * 1024**3


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("BOLIG_SNAPSHOTS", str(tmp_path / "snapshots"))


def mapping_file(tmp_path: Path, text: str = MAPPING) -> Path:
    path = tmp_path / "testdata.mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def rejection(path: Path, mapping: Path) -> ImportRejected:
    with pytest.raises(ImportRejected) as caught:
        check.read_file(path, mapping, indicators=INDICATORS, known_regions=REGIONS)
    return caught.value


def run_import(path: Path, mapping: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess, float]:
    """`python -m etl import` in a process capped at MEMORY_CAP; (result, its peak RSS in MB)."""
    # VmHWM, not getrusage: Linux carries ru_maxrss over exec, so it would include pytest's own size.
    script = ("import resource, sys\n"
              f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP}))\n"
              "from etl.cli import main\n"
              "try:\n    code = main(sys.argv[1:])\n"
              "finally:\n    print('peak-rss-kb', [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0],"
              " file=sys.stderr)\n"
              "sys.exit(code)\n")
    env = {**os.environ, "BOLIG_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
           "BOLIG_RUN_LOG": str(tmp_path / "runs.jsonl"), "BOLIG_SNAPSHOTS": str(tmp_path / "snapshots")}
    result = subprocess.run([sys.executable, "-c", script, "import", str(path), "--mapping", str(mapping)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    peak = [line for line in result.stderr.splitlines() if line.startswith("peak-rss-kb")]
    return result, int(peak[-1].split()[1]) / 1024 if peak else float("nan")


# ------------------------------------------------------------------------------ workbooks written by hand

# The smallest workbook openpyxl reads: one sheet, inline strings. The sheet's XML is written in
# chunks, so a test can make a workbook that unpacks to a gigabyte without holding it.
_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook'
    '.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="TEST DATA" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


def _cell(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def _header() -> bytes:
    return b'<row r="1">' + b"".join(_cell(f"{c}1", h) for c, h in zip("ABC", HEADER)) + b"</row>"


def write_workbook(path: Path, rows_xml: Iterator[bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><sheetData>')
            for chunk in rows_xml:
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return path


def one_huge_cell(size: int) -> Iterator[bytes]:
    yield _header()
    yield b'<row r="2">' + _cell("A2", "0301") + _cell("B2", "2022") + b'<c r="C2" t="inlineStr"><is><t>'
    block = b"9" * (1 << 20)
    for _ in range(size >> 20):
        yield block
    yield b"</t></is></c></row>"


def many_rows(count: int) -> Iterator[bytes]:
    yield _header()
    for r in range(2, count + 2):
        yield b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>0301</t></is></c><c r="B%d"><v>2022</v></c>' \
              b'<c r="C%d"><v>1</v></c></row>' % (r, r, r, r)


def test_the_hand_written_workbook_imports(tmp_path):
    """The helper makes real workbooks: a small one passes."""
    path = write_workbook(tmp_path / "testdata.xlsx", many_rows(1))
    bundle = check.read_file(path, mapping_file(tmp_path), indicators=INDICATORS, known_regions=REGIONS)
    assert len(bundle.observations) == 1


# ------------------------------------------------------------------------------ xlsx


def test_a_one_megabyte_workbook_with_a_gigabyte_cell_is_refused_by_what_it_unpacks_to(tmp_path):
    path = write_workbook(tmp_path / "testdata.xlsx", one_huge_cell(1 << 30))
    assert path.stat().st_size < 2_000_000
    result, peak_mb = run_import(path, mapping_file(tmp_path), tmp_path)
    assert result.returncode == 5, result.stderr[-2000:]
    assert "the workbook unpacks to 1 074 MB; the import limit is 100 MB unpacked" in result.stderr
    assert "Traceback" not in result.stderr
    assert peak_mb < 500  # nothing was unpacked into memory (the run: 2.2 GB)


def test_a_sheet_with_more_rows_than_the_limit_is_refused_before_it_is_parsed(tmp_path):
    path = write_workbook(tmp_path / "testdata.xlsx", many_rows(readers.MAX_ROWS + 10))
    [detail] = rejection(path, mapping_file(tmp_path)).details
    assert detail == "a sheet of the workbook has 250 011 rows; the import limit is 250 000 rows, so split it into several files"


def test_rows_are_counted_while_they_are_read_too(tmp_path, monkeypatch):
    # A sheet whose row tags the count before reading does not see (a writer may write them
    # oddly) is still stopped at the limit by the reader: here the count before is switched off.
    monkeypatch.setattr(readers, "_row_tags", lambda data: 0)
    path = write_workbook(tmp_path / "testdata.xlsx", many_rows(1_200))
    monkeypatch.setattr(readers, "MAX_ROWS", 1_000)
    [detail] = rejection(path, mapping_file(tmp_path)).details
    assert detail == "the file has more than 1 000 rows; the import limit is 1 000 rows, so split it into several files"


def test_a_cell_longer_than_the_limit_is_refused_naming_it(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(["0301", "2022", "9" * 20_000])
    path = tmp_path / "testdata.xlsx"
    workbook.save(path)
    [detail] = rejection(path, mapping_file(tmp_path)).details
    assert detail == "row 2, column C: the cell has 20 000 characters; the import limit is 10 000 characters in a cell"


def test_a_workbook_of_too_many_parts_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_PARTS", 10)
    path = write_workbook(tmp_path / "testdata.xlsx", many_rows(1))
    with zipfile.ZipFile(path, "a") as archive:
        for n in range(10):
            archive.writestr(f"xl/media/extra{n}.bin", b"TEST DATA")
    [detail] = rejection(path, mapping_file(tmp_path)).details
    assert detail == "the workbook has 15 parts; the import limit is 10 parts"  # 5 of its own, 10 more


# ------------------------------------------------------------------------------ csv


def test_a_csv_with_more_rows_than_the_limit_is_refused_while_it_is_read(tmp_path):
    path = tmp_path / "testdata.csv"
    path.write_text(";".join(HEADER) + "\n" + "0301;2022;1\n" * (readers.MAX_ROWS + 5), encoding="utf-8")
    assert path.stat().st_size < check.MAX_FILE_BYTES
    [detail] = rejection(path, mapping_file(tmp_path)).details
    assert detail == "the file has more than 250 000 lines; the import limit is 250 000 lines, so split it into several files"


def test_a_csv_cell_longer_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "testdata.csv"
    path.write_text(";".join(HEADER) + "\n0301;2022;" + "9" * 12_000 + "\n", encoding="utf-8")
    [detail] = rejection(path, mapping_file(tmp_path)).details
    assert detail == "line 2, field 3: the cell has 12 000 characters; the import limit is 10 000 characters in a cell"


# ------------------------------------------------------------------------------ the problem list


def test_a_file_whose_every_row_is_wrong_lists_the_first_problems_and_counts_the_rest(tmp_path):
    rows = 200_000
    path = tmp_path / "testdata.csv"
    path.write_text(";".join(HEADER) + "\n" + "".join(f"9999;2022;{n}a\n" for n in range(rows)), encoding="utf-8")
    result, _ = run_import(path, mapping_file(tmp_path), tmp_path)
    assert result.returncode == 5
    listed = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert len(listed) == problems.MAX_PROBLEMS + 1
    assert listed[0] == '  - line 2: region "9999" in column "Kommunenummer" is not a known region code'
    assert listed[-1] == "  - and 399 900 more"  # two problems a row
    assert f"({2 * rows:,} problem(s))".replace(",", " ") in result.stderr
    assert len(result.stderr) < 30_000


# ------------------------------------------------------------------------------ the mapping


BILLION_LAUGHS = """a: &a ["TEST", "TEST", "TEST", "TEST", "TEST", "TEST", "TEST", "TEST", "TEST", "TEST"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
indicator_codes: {TEST: *i}
"""


def test_a_yaml_alias_bomb_in_the_mapping_exits_5_naming_the_limit(tmp_path):
    path = tmp_path / "testdata.csv"
    path.write_text(";".join(HEADER) + "\n0301;2022;1\n", encoding="utf-8")
    result, peak_mb = run_import(path, mapping_file(tmp_path, MAPPING + BILLION_LAUGHS), tmp_path)
    assert result.returncode == 5, result.stderr[-2000:]
    found = re.search(r'mapping "testdata.mapping.yaml" expands to ([\d ]+) values through its YAML aliases '
                      r"\(& and \*\); the limit is 10 000", result.stderr)
    assert found and int(found[1].replace(" ", "")) > 10**9  # what it would have become: a billion strings
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    assert peak_mb < 500


def test_a_mapping_that_refers_to_itself_is_refused(tmp_path):
    path = tmp_path / "testdata.csv"
    path.write_text(";".join(HEADER) + "\n0301;2022;1\n", encoding="utf-8")
    [detail] = rejection(path, mapping_file(tmp_path, MAPPING + "breakdown: &loop {Kjønn: *loop}\n")).details
    assert detail == "the mapping refers to itself (a YAML alias inside its own anchor)"


def test_a_few_aliases_are_fine(tmp_path):
    path = tmp_path / "testdata.csv"
    path.write_text(";".join(HEADER) + "\n0301;2022;1\n", encoding="utf-8")
    text = MAPPING.replace("source: {", "source: &s {") + "x-unused: *s\n"
    with pytest.raises(ImportRejected) as caught:  # the unknown key is reported; the alias itself is fine
        check.read_file(path, mapping_file(tmp_path, text), indicators=INDICATORS, known_regions=REGIONS)
    assert caught.value.details == ['mapping: unknown key "x-unused" (allowed: breakdown, columns, confidence, indicator, '
                                    'indicator_codes, region_format, sheet, skip_rows, source, unit)']


def test_a_mapping_larger_than_the_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "testdata.csv"
    path.write_text(";".join(HEADER) + "\n0301;2022;1\n", encoding="utf-8")
    big = mapping_file(tmp_path, MAPPING + "# TEST DATA\n" * 30_000)
    result, _ = run_import(path, big, tmp_path)
    assert result.returncode == 5
    size = round(big.stat().st_size / 1000)
    assert f'mapping "testdata.mapping.yaml" is {size} kB; the limit for a mapping is 256 kB' in result.stderr


# ------------------------------------------------------------------------------ source addresses


@pytest.mark.parametrize("url", ["javascript:alert(document.domain)", "JavaScript:alert(1)", "data:text/html,TEST",
                                 "ftp://example.org/test-data", "example.org/test-data", "https://", "https://exa mple.org"])
def test_a_source_url_must_be_a_web_address(tmp_path, url):
    path = tmp_path / "testdata.csv"
    path.write_text(";".join(HEADER) + "\n0301;2022;1\n", encoding="utf-8")
    text = MAPPING.replace('url: "https://example.org/test-data"', f'url: "{url}"')
    assert rejection(path, mapping_file(tmp_path, text)).details == [
        f'mapping: "source.url" is "{url}"; give the http:// or https:// address where the source is published']


def test_a_javascript_source_url_exits_5(tmp_path):
    path = tmp_path / "testdata.csv"
    path.write_text(";".join(HEADER) + "\n0301;2022;1\n", encoding="utf-8")
    text = MAPPING.replace('url: "https://example.org/test-data"', 'url: "javascript:alert(document.domain)"')
    result, _ = run_import(path, mapping_file(tmp_path, text), tmp_path)
    assert result.returncode == 5 and '"source.url" is "javascript:alert(document.domain)"' in result.stderr
