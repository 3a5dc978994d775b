"""The committed map geometry (data/geo/, built by `python -m etl.geo`): a shape for every region
code of each structure, valid shapes that still tile the country without gaps or overlaps,
inside the frame, the 2020 gaps filled, provenance that matches the files; and the build's own
steps on small made-up shapes (no Kartverket file is needed for those)."""
from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import pytest
import shapely
import yaml

from etl import geo
from etl import regions as registry
from etl.errors import EtlError

ROOT = Path(__file__).resolve().parent.parent
GEO = ROOT / "data" / "geo"
FILES = [(structure, level) for structure in ("2020", "2024") for level in ("county", "municipality")]
SETTINGS = yaml.safe_load((GEO / "sources.yaml").read_text(encoding="utf-8"))


def _document(structure: str, level: str) -> dict:
    return json.loads((GEO / f"{structure}-{level}.json").read_text(encoding="utf-8"))


_RING = re.compile(r"M(-?\d+) (-?\d+)l([^z]*)z")
_NUMBER = re.compile(r"-?\d+")


def rings(d: str) -> list[list[tuple[int, int]]]:
    """The rings of a path as written by etl.geo.path_data: 'M x y l dx dy dx dy ... z'."""
    found = []
    for match in _RING.finditer(d):
        x, y = int(match[1]), int(match[2])
        points = [(x, y)]
        steps = [int(n) for n in _NUMBER.findall(match[3])]
        assert len(steps) % 2 == 0, "an odd number of relative coordinates"
        for dx, dy in zip(steps[::2], steps[1::2]):
            x, y = x + dx, y + dy
            points.append((x, y))
        found.append(points)
    assert "".join(m[0] for m in _RING.finditer(d)) == d, "the path has text outside its rings"
    return found


def shape(d: str):
    """The area a path fills with fill-rule evenodd: each ring toggles what it encloses."""
    result = shapely.Polygon()
    for ring in rings(d):
        result = shapely.symmetric_difference(result, shapely.Polygon(ring))
    return result


# ------------------------------------------------------------------------------ the committed files


@pytest.mark.parametrize("structure,level", FILES)
def test_every_region_code_of_the_structure_has_a_shape(structure, level):
    document = _document(structure, level)
    regions, _ = registry.read_bundle(ROOT / "data")
    valid = registry.valid_at(regions, document["valid_on"])
    expected = set(valid.loc[valid["level"] == level, "code"])
    assert document["valid_on"] == f"{structure}-01-01"
    assert set(document["regions"]) == expected
    assert len(expected) == {("2020", "county"): 11, ("2020", "municipality"): 356,
                             ("2024", "county"): 15, ("2024", "municipality"): 357}[(structure, level)]


def test_the_two_municipalities_missing_from_the_2020_file_are_filled_and_recorded():
    document = _document("2020", "municipality")
    provenance = json.loads((GEO / "provenance.json").read_text(encoding="utf-8"))
    borrowed = {entry["code"]: entry for entry in provenance["borrowed"]}
    assert set(borrowed) == {"1144", "1835"}
    for code, name in (("1144", "Kvitsøy"), ("1835", "Træna")):
        assert document["regions"][code]["name"] == name
        entry = borrowed[code]
        assert entry["code_changes_between"] == 0 and entry["overlap_with_the_structures_municipalities"] == 0
        assert entry["share_inside_its_county_in_the_donor_file"] >= 0.99
        # the same land as in the 2024 file, and inside its 2020 county's shape, which had lacked it too
        same = shape(_document("2024", "municipality")["regions"][code]["d"])
        assert shape(document["regions"][code]["d"]).symmetric_difference(same).area < 0.2 * same.area
        county = shape(_document("2020", "county")["regions"][code[:2]]["d"])
        assert county.intersection(shape(document["regions"][code]["d"])).area > 0.9 * same.area


@pytest.mark.parametrize("structure,level", FILES)
def test_shapes_are_valid_inside_the_frame_and_tile_without_gaps_or_overlaps(structure, level):
    document = _document(structure, level)
    x0, y0, width, height = document["view_box"]
    shapes = {}
    for code, region in document["regions"].items():
        for ring in rings(region["d"]):
            assert len(set(ring)) >= 3, f"{code}: a ring with fewer than three corners"
            assert shapely.Polygon(ring).is_valid, f"{code}: a ring crosses itself"
            assert all(x0 <= x <= x0 + width and y0 <= y <= y0 + height for x, y in ring), f"{code} leaves the frame"
        shapes[code] = shape(region["d"])
        assert shapes[code].is_valid and shapes[code].area > 0, code
        box = shapes[code].bounds
        assert list(region["box"]) == [round(v) for v in box], f"{code}: stored box is not the shape's"
        assert shapes[code].buffer(1).contains(shapely.Point(region["point"])), f"{code}: label point outside its shape"
    # neighbours share their borders exactly: no sliver, no overlap
    assert shapely.coverage_is_valid(list(shapes.values()))


@pytest.mark.parametrize("structure,level", FILES)
def test_the_inset_holds_oslo_and_stays_in_its_box(structure, level):
    document = _document(structure, level)
    inset = document["inset"]
    x, y, width, height = inset["box"]
    assert set(inset["regions"]) <= set(document["regions"])
    assert ("0301" if level == "municipality" else "03") in inset["regions"]
    assert len(inset["regions"]) >= (25 if level == "municipality" else 3)  # the dense south-east, not just Oslo
    pieces = []
    for code, d in inset["regions"].items():
        for ring in rings(d):
            assert all(x <= px <= x + width and y <= py <= y + height for px, py in ring), code
        pieces.append(shape(d))
        assert pieces[-1].is_valid, code
    assert shapely.coverage_is_valid(pieces)


def test_small_island_municipalities_keep_their_shape():
    for structure in ("2020", "2024"):
        document = _document(structure, "municipality")
        for code in ("1144", "1835", "1151", "1856"):  # Kvitsøy, Træna, Utsira, Røst
            area = shape(document["regions"][code]["d"]).area
            assert area >= 50, (structure, code, area)  # at least 0.5 km² in 100 m units


@pytest.mark.parametrize("structure,level", FILES)
def test_geometry_is_small_enough_to_draw_on_the_server(structure, level):
    """The rendered maps have their own budget (tests/test_choropleth.py); the shapes alone
    must leave room for titles, links and the legend."""
    raw = (GEO / f"{structure}-{level}.json").read_bytes()
    budget = 40 * 1024 if level == "county" else 150 * 1024
    assert len(gzip.compress(raw)) < 0.6 * budget


def test_provenance_matches_the_files_it_describes():
    provenance = json.loads((GEO / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["licence"] == "CC BY 4.0"
    assert provenance["attribution"] == "© Kartverket (CC BY 4.0)"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", provenance["built"])
    assert {"python", "shapely", "geos", "pyproj", "proj"} <= set(provenance["tools"])
    assert provenance["tolerance_m"] == SETTINGS["tolerance_m"] and provenance["crs"] == SETTINGS["crs"]
    assert {(o["structure"], o["level"]) for o in provenance["outputs"]} == set(FILES)
    for output in provenance["outputs"]:
        path = GEO / output["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == output["sha256"], f"{path.name} changed after the build"
        source = SETTINGS["structures"][output["structure"]][output["level"]]
        assert output["source"]["sha256"] == source["sha256"] and output["source"]["file"] == source["file"]
        assert output["source"]["commit"] == source["source_commit"]
        assert output["regions"] == len(_document(output["structure"], output["level"])["regions"])
        assert output["source_parts_checked_kept"] >= output["parts"] * 0.9
        assert output["tolerance_m"] == SETTINGS["tolerance_m"][output["level"]]


def test_the_app_needs_no_geometry_library():
    """shapely and pyproj are build tools ([geo] extra): nothing the app imports uses them."""
    for folder in ("boligsosial", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"^\s*(import|from)\s+(shapely|pyproj)\b", text, re.M), path
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    runtime = pyproject.split("[project.optional-dependencies]")[0]
    assert "shapely" not in runtime and "pyproj" not in runtime


# ------------------------------------------------------------------------------ the build's steps


def _square(x: float, y: float, size: float):
    return shapely.box(x, y, x + size, y + size)


def test_simplifying_keeps_neighbours_sharing_one_border_and_keeps_islands():
    border = [(50 + (3 if i % 2 else 0), 10 * i) for i in range(11)]  # (50, 0) to (50, 100), zigzag
    left = shapely.Polygon([(0, 0), *border, (0, 100)])
    right = shapely.Polygon([*reversed(border), (100, 0), (100, 100)])
    island = shapely.MultiPolygon([_square(120, 20, 30), _square(150, 150, 2)])  # and a 2 x 2 islet
    shapes = geo.simplified_coverage({"a": left, "b": right, "c": island}, tolerance=8)
    geo.check_output(shapes, "test")
    assert shapes["a"].intersection(shapes["b"]).length > 90  # one shared border
    assert shapes["a"].intersection(shapes["b"]).area == 0
    assert shapely.get_num_geometries(shapes["c"]) == 2  # the 2x2 islet is kept
    assert shapely.get_num_coordinates(shapes["a"]) < shapely.get_num_coordinates(left)  # and it did simplify
    assert geo.check_parts_kept({"c": island}, shapes, "test") == 2


def test_a_lost_island_stops_the_build():
    with pytest.raises(EtlError, match="lost parts"):
        geo.check_parts_kept({"a": shapely.MultiPolygon([_square(0, 0, 10), _square(50, 50, 2)])},
                             {"a": _square(0, 0, 10)}, "test")


def test_overlapping_output_stops_the_build():
    with pytest.raises(EtlError, match="share their borders"):
        geo.check_output({"a": _square(0, 0, 10), "b": _square(5, 0, 10)}, "test")


def test_path_data_writes_relative_steps_and_holes():
    square_with_hole = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(2, 2), (4, 2), (4, 4), (2, 4)]])
    d = geo.path_data(shapely.MultiPolygon([_square(20, 20, 1), square_with_hole]))
    assert d.startswith("M0 0l")  # largest part first
    assert d.count("M") == 3 and d.count("z") == 3
    assert "l10 0" in d or "l0 10" in d
    assert shape(d).equals(shapely.union(square_with_hole, _square(20, 20, 1)))
    assert geo._pair(-3, 4) == "-3 4" and geo._pair(3, -4) == " 3-4"


def test_a_changed_source_file_is_refused_with_a_message(tmp_path):
    (tmp_path / "kommuner.geojson").write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    spec = {"file": "kommuner.geojson", "sha256": "0" * 64, "code": "kommunenummer", "name": "navn"}
    with pytest.raises(EtlError, match="not the file recorded"):
        geo.read_source(tmp_path, spec, "municipality")
    with pytest.raises(EtlError, match="not found"):
        geo.read_source(tmp_path, {**spec, "file": "missing.geojson"}, "municipality")


def test_source_codes_are_zero_padded(tmp_path):
    feature = {"type": "Feature", "properties": {"kommunenummer": 301, "navn": "Oslo"},
               "geometry": {"type": "Polygon", "coordinates": [[[10, 59], [11, 59], [11, 60], [10, 59]]]}}
    path = tmp_path / "k.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    spec = {"file": "k.geojson", "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "code": "kommunenummer",
            "name": "navn"}
    assert list(geo.read_source(tmp_path, spec, "municipality")) == ["0301"]


def test_a_municipality_that_changed_is_not_borrowed():
    """Ålesund 1507 was split in 2024: the registry check refuses it before any geometry is used."""
    with pytest.raises(EtlError, match="registry does not show it unchanged"):
        geo.borrow_unchanged(["1507"], {}, {"1507": _square(0, 0, 1)}, {"1507": "Ålesund"}, {},
                             "2020-01-01", "2024-01-01")


def test_a_borrowed_shape_over_another_municipality_is_refused():
    kvitsoy = _square(0, 0, 10)
    with pytest.raises(EtlError, match="overlaps"):
        geo.borrow_unchanged(["1144"], {"1103": _square(5, 5, 10)}, {"1144": kvitsoy}, {"1144": "Kvitsøy"},
                             {"11": _square(-5, -5, 30)}, "2020-01-01", "2024-01-01")
    shapes, checks = geo.borrow_unchanged(["1144"], {"1103": _square(50, 50, 10)}, {"1144": kvitsoy},
                                          {"1144": "Kvitsøy"}, {"11": _square(-5, -5, 30)}, "2020-01-01", "2024-01-01")
    assert list(shapes) == ["1144"] and checks[0]["distance_to_nearest_shape_of_the_structure_m"] > 0


def test_the_build_says_what_to_install_without_the_geo_extra(monkeypatch):
    import importlib

    real = importlib.import_module

    def without_pyproj(name, *args):
        if name == "pyproj":
            raise ImportError("No module named 'pyproj'", name="pyproj")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", without_pyproj)
    with pytest.raises(EtlError, match=r"pip install -e '\.\[geo\]'"):
        geo.project({}, "EPSG:25833")


def test_the_command_reports_a_missing_source_folder_without_a_traceback(tmp_path, capsys):
    assert geo.main(["--source", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "Traceback" not in error
    assert not list(tmp_path.glob("*.json"))  # nothing written
