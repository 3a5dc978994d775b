"""Decoding JSON-stat 2.0: row-major order, status symbols, strict validation.

All numbers and labels here are TEST data made up for these tests."""
from __future__ import annotations

import itertools
import json
import math

import pytest

from etl import jsonstat
from etl.errors import UpstreamChanged


def cube(dims: dict[str, list[str]], values, status=None, **extra) -> dict:
    """A JSON-stat 2.0 dataset with the given dimensions (code lists) and cells."""
    doc = {
        "version": "2.0",
        "class": "dataset",
        "label": "TEST cube",
        "source": "TEST",
        "updated": "2024-06-01T06:00:00Z",
        "id": list(dims),
        "size": [len(codes) for codes in dims.values()],
        "dimension": {
            name: {"label": f"TEST {name}", "category": {"index": {c: i for i, c in enumerate(codes)}, "label": {c: f"{name} {c}" for c in codes}}}
            for name, codes in dims.items()
        },
        "value": values,
        **extra,
    }
    if status is not None:
        doc["status"] = status
    return doc


DIMS = {"Region": ["0", "0301"], "Kjonn": ["1", "2", "3"], "ContentsCode": ["A"], "Tid": ["2022", "2023"]}


def test_rows_are_row_major_cell_by_cell():
    cells = 2 * 3 * 1 * 2
    frame = jsonstat.decode(cube(DIMS, [float(i) for i in range(cells)]))
    assert len(frame) == cells
    # The last dimension varies fastest: walk the cube in nested loops and compare every row.
    for flat, (region, sex, contents, year) in enumerate(itertools.product(*DIMS.values())):
        row = frame.iloc[flat]
        assert (row["Region"], row["Kjonn"], row["ContentsCode"], row["Tid"]) == (region, sex, contents, year)
        assert row["value"] == flat
        assert row["Kjonn_label"] == f"Kjonn {sex}"
        assert row["status"] == ""


def test_status_as_object_keeps_nan_and_symbol():
    values = [float(i) for i in range(12)]
    values[3] = None
    values[7] = None
    frame = jsonstat.decode(cube(DIMS, values, status={"3": "..", "7": ":"}))
    assert math.isnan(frame.loc[3, "value"]) and frame.loc[3, "status"] == ".."
    confidential = frame.loc[7]
    assert (confidential["Region"], confidential["Kjonn"], confidential["Tid"]) == ("0301", "1", "2023")
    assert math.isnan(confidential["value"]) and confidential["status"] == ":"
    assert (frame.drop(index=[3, 7])["status"] == "").all()


def test_status_as_array():
    values = [1.0] * 12
    values[0] = None
    statuses = [None] * 12
    statuses[0] = "."
    statuses[11] = "-"
    frame = jsonstat.decode(cube(DIMS, values, status=statuses))
    assert frame.loc[0, "status"] == "." and math.isnan(frame.loc[0, "value"])
    assert frame.loc[11, "status"] == "-"


def test_status_as_one_string_applies_to_every_cell():
    frame = jsonstat.decode(cube(DIMS, [None] * 12, status="..."))
    assert (frame["status"] == "...").all()
    assert frame["value"].isna().all()


def test_a_suppressed_cell_is_never_zero():
    # Even if a provider sent 0 alongside ":", the number is not published: NaN, status kept.
    values = [5.0] * 12
    values[4] = 0
    frame = jsonstat.decode(cube(DIMS, values, status={"4": ":"}))
    assert math.isnan(frame.loc[4, "value"]) and frame.loc[4, "status"] == ":"


def test_value_as_sparse_object():
    frame = jsonstat.decode(cube(DIMS, {"0": 10, "11": 20}))
    assert frame.loc[0, "value"] == 10 and frame.loc[11, "value"] == 20
    assert frame["value"].isna().sum() == 10


def test_index_as_array_and_out_of_order_object():
    doc = cube({"Kjonn": ["0", "1", "2"], "Tid": ["2023"]}, [100, 200, 300])
    # SSB sends e.g. {"0": 0, "1": 2, "2": 1}: position, not key order, decides.
    doc["dimension"]["Kjonn"]["category"]["index"] = {"0": 0, "1": 2, "2": 1}
    assert list(jsonstat.decode(doc)["Kjonn"]) == ["0", "2", "1"]
    doc["dimension"]["Kjonn"]["category"]["index"] = ["2", "0", "1"]
    assert list(jsonstat.decode(doc)["Kjonn"]) == ["2", "0", "1"]


def test_single_category_may_omit_index():
    doc = cube({"ContentsCode": ["A"], "Tid": ["2023"]}, [1])
    del doc["dimension"]["ContentsCode"]["category"]["index"]
    assert list(jsonstat.decode(doc)["ContentsCode"]) == ["A"]


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(size=[2, 3, 1, 3]), "size says 3"),
    (lambda d: d["value"].pop(), "11 values for 12 cells"),
    (lambda d: d.update(status={"2": "*"}), "unknown status symbol '\\*'"),
    (lambda d: d.update(status={"2": "x"}), "unknown status symbol 'x'"),
    (lambda d: d.update(status={"12": ".."}), "outside the 12 cells"),
    (lambda d: d["value"].__setitem__(0, "12"), "not a number"),
    (lambda d: d["dimension"].pop("Tid"), "'Tid' is listed in 'id' but not described"),
    (lambda d: d.update(version="1.2"), "not a JSON-stat 2.0 dataset"),
    (lambda d: d.update(role={"geo": ["Fylke"]}), "unknown dimension 'Fylke'"),
])
def test_inconsistent_documents_are_rejected(change, message):
    doc = cube(DIMS, [1.0] * 12)
    change(doc)
    with pytest.raises(UpstreamChanged, match=message):
        jsonstat.parse(doc, "TEST table")


def test_truncated_text_is_rejected():
    text = json.dumps(cube(DIMS, [1.0] * 12))
    with pytest.raises(UpstreamChanged, match="not valid JSON"):
        jsonstat.parse(text[: len(text) // 2])


def test_metadata_exposes_roles_units_elimination_and_updated():
    doc = cube({"Region": ["0", "03"], "ContentsCode": ["Personer1"], "Tid": ["2023", "2024"]}, [],
               role={"geo": ["Region"], "metric": ["ContentsCode"], "time": ["Tid"]})
    doc["dimension"]["ContentsCode"]["category"]["unit"] = {"Personer1": {"base": "personer", "decimals": 0}}
    doc["dimension"]["Region"]["extension"] = {"elimination": True, "show": "value"}
    doc["dimension"]["Tid"]["extension"] = {"elimination": False}
    meta = jsonstat.parse_metadata(doc)
    assert meta.ids == ["Region", "ContentsCode", "Tid"] and meta.size == [2, 1, 2]
    assert meta.with_role("time").id == "Tid" and meta.with_role("geo").id == "Region"
    assert meta.dimension("ContentsCode").role == "metric"
    assert meta.dimension("ContentsCode").decimals("Personer1") == 0
    assert meta.dimension("ContentsCode").units["Personer1"]["base"] == "personer"
    assert meta.dimension("Region").elimination is True and meta.dimension("Tid").elimination is False
    assert meta.dimension("Region").label == "TEST Region"
    assert meta.updated == "2024-06-01T06:00:00Z"
    with pytest.raises(UpstreamChanged):
        jsonstat.parse(doc)  # a data answer must have its cells


# A response shaped like the recorded SSB answer for table 05300 in
# statisticsnorway/dapla-statbank-client tests/test_apidata.py: four dimensions (6 x 8 x 1 x 9),
# status as an object keyed by cell index with "." and "..", role time/metric, extension.px.
# Labels and values are our own TEST data.
SSB_SHAPED_STATUS = {"71": ".", "80": ".", "287": ".", "360": "..", "369": "..", "431": "."}


def ssb_shaped() -> dict:
    distance = [f"0{i}" for i in range(1, 7)]
    offer = [f"0{i}" for i in range(1, 9)]
    years = ["1991", "1994", "1997", "2000", "2004", "2008", "2012", "2016", "2021"]
    values = [None if str(i) in SSB_SHAPED_STATUS else (i * 7) % 50 for i in range(6 * 8 * 9)]
    return {
        "class": "dataset",
        "label": "05300: TEST avstand, etter avstand, tilbud, statistikkvariabel og år",
        "source": "Statistisk sentralbyrå",
        "updated": "2022-05-24T06:00:00Z",
        "id": ["Avstand1", "Kulturtilbud", "ContentsCode", "Tid"],
        "size": [6, 8, 1, 9],
        "dimension": {
            "Avstand1": {"label": "avstand", "category": {"index": {c: i for i, c in enumerate(distance)}, "label": {c: f"TEST avstand {c}" for c in distance}}},
            "Kulturtilbud": {"label": "kulturtilbud", "category": {"index": {c: i for i, c in enumerate(offer)}, "label": {c: f"TEST tilbud {c}" for c in offer}}},
            "ContentsCode": {"label": "statistikkvariabel", "category": {"index": {"Avstand": 0}, "label": {"Avstand": "TEST avstand"}, "unit": {"Avstand": {"base": "prosent", "decimals": 0}}}},
            "Tid": {"label": "år", "category": {"index": {y: i for i, y in enumerate(years)}, "label": {y: y for y in years}}},
        },
        "value": values,
        "status": dict(SSB_SHAPED_STATUS),
        "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
        "version": "2.0",
        "extension": {"px": {"infofile": "None", "tableid": "05300", "decimals": 0}},
    }


def test_ssb_shaped_response():
    data = jsonstat.parse(json.dumps(ssb_shaped()).encode("utf-8"))
    assert data.table_id == "05300" and data.updated == "2022-05-24T06:00:00Z"
    assert data.with_role("time").id == "Tid" and data.with_role("geo") is None
    frame = data.to_frame()
    assert len(frame) == 432
    # Cell 71 = Avstand1 index 0, Kulturtilbud index 7, Tid index 8: 0*72 + 7*9 + 8.
    row = frame.loc[71]
    assert (row["Avstand1"], row["Kulturtilbud"], row["Tid"]) == ("01", "08", "2021")
    assert row["status"] == "." and math.isnan(row["value"])
    row = frame.loc[360]  # 5*72 + 0*9 + 0
    assert (row["Avstand1"], row["Kulturtilbud"], row["Tid"], row["status"]) == ("06", "01", "1991", "..")
    assert row["Avstand1_label"] == "TEST avstand 06"
    assert frame.loc[100, "value"] == (100 * 7) % 50 and frame.loc[100, "status"] == ""
    assert sorted(frame.index[frame["status"] != ""].astype(str)) == sorted(SSB_SHAPED_STATUS)
    assert frame["value"].isna().sum() == len(SSB_SHAPED_STATUS)
