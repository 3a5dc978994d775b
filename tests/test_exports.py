"""Files for download: each one says what it holds, opens right in Excel and pandas, never turns
a missing figure into 0, and cannot run a formula in a spreadsheet.

Rows here are made up and labelled TEST; the whole-database zip is built from the TEST
warehouse (tests/warehouse_factory.py)."""
from __future__ import annotations

import csv
import io
import json
import zipfile

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from boligsosial.config import settings
from boligsosial.domain.selection import parse
from boligsosial.warehouse import catalogue_rows, db
from boligsosial.web import export_rows, exports
from tests.warehouse_factory import build_test_warehouse

API_URL = "https://example.org/api/v1/indicators/test_rate/data.csv?region=0,0301&codes=original&lang=nb"

INDICATOR = {
    "id": "test_rate", "title_nb": "TEST rate", "title_en": "TEST rate (en)", "unit": "per_1000",
    "unit_label_nb": "per 1 000 innbyggere", "unit_label_en": "per 1,000 inhabitants", "decimals": 2,
    "definition_nb": "TEST-definisjon", "definition_en": "TEST definition",
}
DIMENSIONS = {"age": {"dimension": "age", "label_nb": "=Alder", "label_en": "=Age"}}
CATEGORIES = {
    ("age", "evil"): {"dimension": "age", "code": "evil", "label_nb": "=1+1", "label_en": "=1+1", "sort_order": 1},
}
SOURCE = {"source_publisher": "Testinstituttet", "source_title": "TEST DATA: kartlegging", "source_url": "https://example.org/test",
          "source_published": "2017-06-06", "source_fetched_at": "2026-11-21", "source_license": "CC BY 4.0"}
EVIL_SOURCE = {"source_publisher": "=HYPERLINK(\"http://evil.example\",\"x\")", "source_title": "@SUM(A1:A9)",
               "source_url": "https://example.org/evil", "source_published": "", "source_fetched_at": "2026-11-21",
               "source_license": ""}


def _row(**values):
    row = {"indicator_id": "test_rate", "region_code": "0", "region_name": "Norge", "period": "2020", "breakdown": "",
           "value": 0.55, "status": "", "qualifier": "", "derived": False, "derivation": None, "confidence": "H",
           "note": None, "source_id": "test-survey", **SOURCE}
    row.update(values)
    return row


ROWS = [
    _row(),
    _row(period="2016", value=1234567.25, qualifier="approx", derived=True, derivation="TEST: sum"),
    _row(region_code="0301", region_name="Oslo", value=None, status=":"),  # suppressed: empty, never 0
    _row(region_code="0301", region_name="Oslo", period="2016", value=-5.0, status="-", note="+TEST note"),
    _row(period="2012", breakdown="age=evil", source_id="test-evil", **EVIL_SOURCE),
]


# Today's place for each code as published (the warehouse's region registry gives this in load()).
TODAY = {"0": ("0", "Norge"), "0301": ("0301", "Oslo")}


def _dataset(lang="nb", rows=ROWS, codes="original"):
    chosen = parse({"region": "0,0301", "lang": lang, "codes": codes})
    return export_rows.Dataset(INDICATOR, chosen, rows, DIMENSIONS, CATEGORIES, "test-v1", "2026-11-21T06:00:00+00:00", API_URL,
                           TODAY)


def _csv_cells(data: bytes, separator: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=separator))


# ------------------------------------------------------------------------------ CSV


def test_csv_starts_with_a_bom_and_a_header_block_then_the_table():
    data = exports.to_csv(_dataset())
    assert data.startswith("\ufeff".encode("utf-8"))
    text = data.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == '# Tittel;"TEST rate"'
    block = lines[: lines.index("")]
    assert all(line.startswith("# ") for line in block)
    labels = [line.split(";", 1)[0] for line in block]
    assert labels == ["# Tittel", "# Indikator-id", "# Enhet", "# Definisjon", "# Kilde", "# Kilde", "# Dataversjon",
                      "# Bygget", "# Lisens", "# Siter som", "# API-adresse", "# Rader"]
    assert '"Testinstituttet: TEST DATA: kartlegging. https://example.org/test Publisert 2017-06-06. Hentet 2026-11-21. Lisens: CC BY 4.0."' in text
    assert '# Dataversjon;"test-v1"' in text
    assert f'# API-adresse;"{API_URL}"' in text
    assert "CC BY 4.0" in lines[labels.index("# Lisens")]
    assert '# Rader;"5"' in text
    table_header = lines[len(block) + 1]
    assert table_header.startswith('"indicator_id";"region_code";"region_name";"region_code_today";"region_name_today";'
                                   '"period";"breakdown";"breakdown_label";"value"')


def test_csv_bokmal_uses_semicolons_and_decimal_commas_and_pandas_reads_it():
    data = exports.to_csv(_dataset("nb"))
    assert ";0,55;" in data.decode("utf-8-sig")
    frame = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", comment="#", dtype={"region_code": str, "period": str})
    assert list(frame.columns) == export_rows.COLUMNS
    assert len(frame) == 5
    assert frame.loc[0, "value"] == 0.55 and frame.loc[1, "value"] == 1234567.25
    assert frame.loc[3, "value"] == -5.0  # a negative number is a number, not a neutralised text
    assert frame["derived"].tolist() == [False, True, False, False, False]
    assert frame.loc[2, "region_code"] == "0301" and frame.loc[2, "period"] == "2020"


def test_csv_english_uses_commas_and_decimal_points():
    data = exports.to_csv(_dataset("en"))
    text = data.decode("utf-8-sig")
    assert text.startswith('# Title,"TEST rate (en)"')
    assert ",0.55," in text and ",1234567.25," in text
    frame = pd.read_csv(io.BytesIO(data), comment="#")
    assert frame.loc[0, "value"] == 0.55 and frame.loc[0, "unit"] == "per 1,000 inhabitants"
    assert frame.loc[2, "status_meaning"] == "Confidential"


def test_a_missing_value_is_an_empty_cell_with_its_status_never_zero():
    cells = _csv_cells(exports.to_csv(_dataset()), ";")
    header = next(row for row in cells if row and row[0] == "indicator_id")
    oslo = next(row for row in cells if row[:2] == ["test_rate", "0301"] and row[5] == "2020")
    record = dict(zip(header, oslo))
    assert record["value"] == "" and record["status"] == ":" and record["status_meaning"] == "Skjermet"
    raw = exports.to_csv(_dataset()).decode("utf-8-sig")
    assert '"0301";"Oslo";"0301";"Oslo";"2020";"";"Totalt";;"per 1 000 innbyggere";":";"Skjermet"' in raw


def test_text_that_would_be_a_formula_is_neutralised_but_numbers_and_status_symbols_are_not():
    raw = exports.to_csv(_dataset()).decode("utf-8-sig")
    cells = _csv_cells(raw.encode("utf-8"), ";")
    header = next(row for row in cells if row and row[0] == "indicator_id")
    records = [dict(zip(header, row)) for row in cells[cells.index(header) + 1:] if row]
    evil = next(r for r in records if r["breakdown"] == "age=evil")
    assert evil["breakdown_label"] == "'=Alder: =1+1"  # a label starting with "=" (dimension and category)
    assert evil["region_name"] == "Norge"  # text that starts otherwise is left alone
    assert evil["source"].startswith("'=HYPERLINK(")
    nil = next(r for r in records if r["status"] == "-")
    assert nil["value"] == "-5" and nil["note"] == "'+TEST note"
    # The header block's source line starts with the publisher: neutralised too.
    assert '# Kilde;"\'=HYPERLINK(' in raw
    # No cell anywhere starts with a formula sign, except the status symbol and the number.
    for row in cells:
        for cell in row:
            if cell.startswith(export_rows.FORMULA_STARTS):
                assert cell in ("-", "-5"), cell


def test_neutralise_and_number_text():
    assert export_rows.neutralise("=1+1") == "'=1+1"
    assert export_rows.neutralise("\tx") == "'\tx" and export_rows.neutralise("\rx") == "'\rx"
    assert export_rows.neutralise("@x") == "'@x" and export_rows.neutralise("+x") == "'+x"
    assert export_rows.neutralise("-", "status") == "-" and export_rows.neutralise("-", "note") == "'-"
    assert export_rows.neutralise("Oslo") == "Oslo"
    assert export_rows.number_text(6259.0) == "6259"
    assert export_rows.number_text(1e-05) == "0.00001"
    assert export_rows.number_text(0.55, ",") == "0,55"
    assert export_rows.number_text(9200000000.0) == "9200000000"
    assert export_rows.number_text(-5.0) == "-5"


def test_a_cell_with_a_line_break_stays_one_cell_and_the_header_block_one_line():
    rows = [_row(note='TEST line one\nline two "quoted"; and more')]
    data = exports.to_csv(_dataset(rows=rows))
    frame = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", comment="#")
    assert frame.loc[0, "note"] == 'TEST line one\nline two "quoted"; and more'


# ------------------------------------------------------------------------------ XLSX


def test_xlsx_has_a_data_sheet_with_numbers_and_a_metadata_sheet():
    workbook = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(_dataset())))
    assert workbook.sheetnames == ["Data", "Metadata"]
    data = workbook["Data"]
    # Norwegian headings for a Norwegian workbook; the rows read by the column names.
    assert [cell.value for cell in data[1]][:3] == ["Indikator-id", "Regionkode (som publisert)", "Region (som publisert)"]
    header = export_rows.COLUMNS
    rows = [dict(zip(header, [cell.value for cell in row])) for row in data.iter_rows(min_row=2)]
    # Codes stay text (0301, not 301); a year is a number.
    assert data.cell(row=4, column=header.index("region_code") + 1).value == "0301"
    assert data.cell(row=4, column=header.index("region_code") + 1).number_format == "@"
    assert rows[0]["period"] == 2020 and rows[0]["region_code_today"] == "0"
    assert rows[0]["value"] == 0.55 and isinstance(rows[0]["value"], float)
    assert data.cell(row=2, column=header.index("value") + 1).number_format == "#,##0.00"
    assert rows[2]["value"] is None and rows[2]["status"] == ":" and rows[2]["status_meaning"] == "Skjermet"
    assert rows[3]["value"] == -5 and rows[3]["derived"] is False and rows[1]["derived"] is True
    evil = rows[4]
    assert evil["source"].startswith("'=HYPERLINK(")
    for row in data.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate  # no formula anywhere
    meta = {row[0].value: row[1].value for row in workbook["Metadata"].iter_rows()}
    assert meta["Tittel"] == "TEST rate" and meta["Dataversjon"] == "test-v1" and meta["API-adresse"] == API_URL
    sources = [row[1].value for row in workbook["Metadata"].iter_rows() if row[0].value == "Kilde"]
    assert len(sources) == 2 and "https://example.org/test" in sources[0]


# ------------------------------------------------------------------------------ Parquet and JSON


def test_parquet_round_trips_with_types_and_metadata():
    table = pq.read_table(io.BytesIO(exports.to_parquet(_dataset(codes="current", rows=[_row(harmonised=True, original_codes="1201")]))))
    assert table.column_names == export_rows.COLUMNS + export_rows.CURRENT_COLUMNS
    assert str(table.schema.field("value").type) == "double" and str(table.schema.field("derived").type) == "bool"
    row = table.to_pylist()[0]
    assert row["value"] == 0.55 and row["harmonised"] is True and row["original_codes"] == "1201"
    metadata = {key.decode(): value.decode() for key, value in table.schema.metadata.items()}
    assert metadata["title"] == "TEST rate" and metadata["data_version"] == "test-v1"
    assert metadata["api_url"] == API_URL and metadata["rows"] == "1"
    assert json.loads(metadata["sources"])[0]["url"] == "https://example.org/test"
    missing = pq.read_table(io.BytesIO(exports.to_parquet(_dataset()))).to_pylist()[2]
    assert missing["value"] is None and missing["status"] == ":"


def test_json_has_the_description_and_the_rows():
    document = json.loads(exports.to_json(_dataset("en")))
    assert document["about"]["title"] == "TEST rate (en)" and document["about"]["rows"] == 5
    assert document["columns"] == export_rows.COLUMNS
    assert document["rows"][2]["value"] is None and document["rows"][2]["status_meaning"] == "Confidential"
    assert document["rows"][4]["source"].startswith("=HYPERLINK(")  # JSON is data, not a spreadsheet


# ------------------------------------------------------------------------------ whole database


@pytest.fixture
def test_warehouse():
    db.close()
    yield build_test_warehouse(settings.warehouse_path())
    db.close()


def test_the_database_zip_has_every_table_twice_a_readme_and_the_metadata(test_warehouse):
    archive = zipfile.ZipFile(io.BytesIO(exports.database_zip("en", "https://example.org/")))
    names = set(archive.namelist())
    tables = catalogue_rows.table_names()
    assert {f"csv/{t}.csv" for t in tables} | {f"parquet/{t}.parquet" for t in tables} | {"README.md", "metadata.json"} == names
    readme = archive.read("README.md").decode()
    for table in tables:
        assert f"`{table}`" in readme
    assert "CC BY 4.0" in readme and "test-v1" in readme and "Cite as" in readme
    observation = pd.read_csv(io.BytesIO(archive.read("csv/observation.csv")), dtype={"region_code": str, "period": str})
    suppressed = observation[observation["region_code"] == "0301"].iloc[0]
    assert pd.isna(suppressed["value"]) and suppressed["status"] == ":"
    assert len(observation) == len(pq.read_table(io.BytesIO(archive.read("parquet/observation.parquet"))))
    assert "message" not in pq.read_table(io.BytesIO(archive.read("parquet/etl_run.parquet"))).column_names
    metadata = json.loads(archive.read("metadata.json"))
    homeless = next(entry for entry in metadata["indicators"] if entry["id"] == "homeless")
    assert homeless["sources"][0]["title"].startswith("TEST DATA")
    # 6 figures, the suppressed Oslo figure and 2 expected survey years without a figure
    assert homeless["row_count"] == 9 and homeless["missing_values"] == 3
