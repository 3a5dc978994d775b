"""python -m etl.geo [--source DIR]: Kartverket's boundaries -> simplified, projected map geometry.

Turns the GeoJSON files named in data/geo/sources.yaml (municipalities and counties of the
2020-2023 and 2024- structures, lon/lat) into one JSON file per structure and level in data/geo/,
holding an SVG path string per region code in a fixed frame (ETRS89 / UTM 33N, 100 m units, y
down), plus the shapes of an enlarged inset of Oslo and the south-east. The app draws maps from
those strings alone (boligsosial/charts/choropleth.py), so it needs no geometry library.

A developer runs this when a source file changes; `make run` and CI read the committed output.
It needs the optional extra `[geo]` (shapely, pyproj): `pip install -e '.[geo]'`.

Steps, each through shapely/GEOS or PROJ rather than geometry code of our own:
  project (pyproj) -> repair self-intersections (make_valid) -> snap to the 100 m grid
  (set_precision) -> clean the coverage, so that neighbours share identical edges with no
  overlap or gap (coverage_clean) -> simplify shared edges once for both neighbours
  (coverage_simplify, which never drops a polygon or island) -> check validity, that the result
  is still a coverage and that every source island is still drawn -> write path strings and
  data/geo/provenance.json. The 2020 file lacks Kvitsøy and Træna; they are taken from the 2024
  file after the checks in borrow_unchanged.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import platform
import sys
from pathlib import Path
from typing import Any

import yaml

from etl.errors import EtlError

ROOT = Path(__file__).resolve().parent.parent
GEO_DIR = ROOT / "data" / "geo"
SETTINGS = GEO_DIR / "sources.yaml"
DEFAULT_SOURCE = ROOT.parent / "shared" / "research-data" / "geo"
LEVELS = ("municipality", "county")
CODE_WIDTH = {"municipality": 4, "county": 2}


def _libraries(*names: str) -> list:
    """The geometry libraries asked for (numpy, shapely, pyproj), or a message saying how to get
    them. Imported here, not at the top, so the rest of the ETL runs without the [geo] extra."""
    import importlib

    try:
        return [importlib.import_module(name) for name in names]
    except ImportError as exc:  # the [geo] extra is not installed
        raise EtlError(f"The geometry build needs shapely and pyproj ({exc.name} is missing). "
                       "Install them with: .venv/bin/pip install -e '.[geo]'") from None


def output_name(structure: str, level: str) -> str:
    return f"{structure}-{level}.json"


def load_settings(path: Path = SETTINGS) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------ reading


def read_source(folder: Path, spec: dict, level: str) -> dict[str, tuple[str, Any]]:
    """{code: (name, lon/lat geometry)} from one GeoJSON file, codes zero-padded ("301" -> "0301")."""
    (shapely,) = _libraries("shapely")
    path = folder / spec["file"]
    if not path.is_file():
        raise EtlError(f"Source file not found: {path}. Point --source at the folder holding the files "
                       "listed in data/geo/sources.yaml.")
    found = sha256(path)
    if found != spec["sha256"]:
        raise EtlError(f"{path.name} is not the file recorded in data/geo/sources.yaml (sha256 {found}, "
                       f"expected {spec['sha256']}). If the source was updated on purpose, record its new "
                       "checksum, commit and date there first.")
    with open(path, encoding="utf-8") as handle:
        collection = json.load(handle)
    regions: dict[str, tuple[str, Any]] = {}
    for feature in collection["features"]:
        properties = feature["properties"]
        code = str(properties[spec["code"]]).zfill(CODE_WIDTH[level])
        if code in regions:
            raise EtlError(f"{path.name}: region code {code} occurs twice.")
        regions[code] = (str(properties[spec["name"]]), shapely.geometry.shape(feature["geometry"]))
    return regions


def project(geometries: dict[str, Any], crs: str) -> dict[str, Any]:
    numpy, pyproj, shapely = _libraries("numpy", "pyproj", "shapely")
    transformer = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    def to_crs(coordinates):
        x, y = transformer.transform(coordinates[:, 0], coordinates[:, 1])
        return numpy.column_stack([x, y])

    return {code: shapely.transform(geometry, to_crs) for code, geometry in geometries.items()}


def polygonal(geometry):
    """The polygons of a geometry (make_valid may return a collection with stray lines)."""
    (shapely,) = _libraries("shapely")
    parts = [part for part in shapely.get_parts(geometry) if part.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if len(parts) != 1 else parts[0]


def repair(geometries: dict[str, Any]) -> dict[str, Any]:
    """The source has rings that touch or cross themselves where toposimplify met a narrow
    sound: make each polygon valid without moving its vertices."""
    (shapely,) = _libraries("shapely")
    return {code: polygonal(shapely.make_valid(g, method="structure")) if not g.is_valid else g
            for code, g in geometries.items()}


# ------------------------------------------------------------------------------ the 2020 gaps


def borrow_unchanged(codes: list[str], target: dict[str, Any], donor: dict[str, Any], donor_names: dict[str, str],
                     donor_counties: dict[str, Any], valid_on: str, donor_valid_on: str) -> tuple[dict[str, Any], list[dict]]:
    """Shapes missing from one structure's file, taken from another structure's file, each only
    after checking that the municipality did not change between the two:

      1. the region registry (KLASS 131) has it under the same code and name on both dates, in
         one row, with the same county;
      2. no code change in the registry names it between the two dates;
      3. its shape overlaps no shape of the target structure's file (no neighbour held its land);
      4. it lies wholly in its county as the donor structure's county file draws it.

    Geometry is projected (metres). Returns the shapes and what was checked, for provenance."""
    import pandas as pd

    from etl import regions as registry

    region_rows, changes = registry.read_bundle(ROOT / "data")
    early, late = sorted([valid_on, donor_valid_on])
    checked, borrowed = [], {}
    for code in codes:
        if code not in donor:
            raise EtlError(f"Region {code} is missing from the {valid_on} file and from the file it was to be taken from.")
        rows = region_rows[(region_rows["code"] == code) & (region_rows["level"] == "municipality")]
        spans = [row for _, row in rows.iterrows()
                 if row["valid_from"] <= early and (pd.isna(row["valid_to"]) or late < row["valid_to"])]
        if len(spans) != 1 or spans[0]["name"] != donor_names[code] or spans[0]["parent_code"] != code[:2]:
            raise EtlError(f"Region {code}: the registry does not show it unchanged (same code, name and county) "
                           f"from {early} to {late}; its shape cannot be borrowed.")
        moves = changes[(changes["level"] == "municipality") & (changes["changed_on"] > early)
                        & (changes["changed_on"] <= late)
                        & ((changes["old_code"] == code) | (changes["new_code"] == code))]
        if len(moves):
            raise EtlError(f"Region {code} has code changes between {early} and {late}; its shape cannot be borrowed.")
        shape = donor[code]
        overlap = max((shape.intersection(other).area for other in target.values()), default=0.0) / shape.area
        nearest = min((shape.distance(other) for other in target.values()), default=0.0)
        county = donor_counties.get(code[:2])
        inside = shape.intersection(county).area / shape.area if county is not None else 0.0
        if overlap > 0 or inside < 0.99:
            raise EtlError(f"Region {code}: the borrowed shape overlaps a municipality of the {valid_on} file by "
                           f"{overlap:.1%}, or lies only {inside:.1%} inside its county; it cannot be borrowed.")
        borrowed[code] = shape
        checked.append({
            "code": code, "name": donor_names[code], "taken_from_structure_valid_on": donor_valid_on,
            "registry_row": {"valid_from": spans[0]["valid_from"],
                             "valid_to": None if pd.isna(spans[0]["valid_to"]) else spans[0]["valid_to"],
                             "county": spans[0]["parent_code"]},
            "code_changes_between": 0,
            "overlap_with_the_structures_municipalities": overlap,
            "distance_to_nearest_shape_of_the_structure_m": round(nearest),
            "share_inside_its_county_in_the_donor_file": round(inside, 4),
        })
    return borrowed, checked


def add_to_counties(counties: dict[str, Any], borrowed: dict[str, Any]) -> dict[str, Any]:
    """A borrowed municipality missing from the same file set's county shape too is added to
    its county (the registry's county: the first two digits)."""
    (shapely,) = _libraries("shapely")
    merged = dict(counties)
    for code, shape in borrowed.items():
        county = merged[code[:2]]
        if shape.intersection(county).area < 0.5 * shape.area:
            merged[code[:2]] = shapely.union(county, shape)
    return merged


# ------------------------------------------------------------------------------ simplify and write


def to_frame(geometries: dict[str, Any], settings: dict) -> dict[str, Any]:
    """Projected metres -> stored units: origin at the frame's north-west corner, y down, snapped
    to a grid of one unit, GEOS keeping each polygon valid (an islet smaller than the grid may
    merge with its neighbour; check_parts_kept makes sure none disappears)."""
    numpy, shapely = _libraries("numpy", "shapely")
    frame, unit = settings["frame"], float(settings["unit_m"])

    def scale(coordinates):
        return numpy.column_stack([(coordinates[:, 0] - frame["west"]) / unit, (frame["north"] - coordinates[:, 1]) / unit])

    return {code: shapely.set_precision(shapely.transform(g, scale), 1.0) for code, g in geometries.items()}


def simplified_coverage(geometries: dict[str, Any], tolerance: float) -> dict[str, Any]:
    """Grid-snapped shapes (stored units) -> an exact coverage, simplified with shared edges kept
    shared. Simplifying only removes vertices, so they stay on the grid, except the few nodes
    coverage_clean adds where two source edges crossed: on_grid rounds those (the same way in
    both neighbours), and check_output then proves the result still valid."""
    numpy, shapely = _libraries("numpy", "shapely")
    codes = list(geometries)
    cleaned = shapely.coverage_clean(numpy.array([geometries[c] for c in codes], dtype=object))
    if not shapely.coverage_is_valid(cleaned):
        raise EtlError("The boundaries do not form a clean coverage even after coverage_clean.")
    simplified = shapely.coverage_simplify(cleaned, tolerance) if tolerance else cleaned
    return {code: on_grid(g) for code, g in zip(codes, simplified)}


def on_grid(geometry):
    """Coordinates rounded to whole units. A ring that rounding flattens to nothing (a sliver
    a few metres wide that coverage_clean left at a pinch) is then dropped by make_valid; it
    had no area to leave a gap with."""
    numpy, shapely = _libraries("numpy", "shapely")
    # set_precision(..., 0) first: a geometry that already carries grid size 1 would otherwise
    # be left as it is by a later set_precision, off-grid nodes and all.
    rounded = shapely.transform(shapely.set_precision(geometry, 0.0), numpy.round)
    return rounded if rounded.is_valid else polygonal(shapely.make_valid(rounded, method="structure"))


def check_output(geometries: dict[str, Any], what: str) -> None:
    numpy, shapely = _libraries("numpy", "shapely")
    problems = [f"{code}: {shapely.is_valid_reason(g)}" for code, g in geometries.items() if g.is_empty or not g.is_valid]
    if problems:
        raise EtlError(f"{what}: shapes empty or invalid after simplification.", problems)
    if not shapely.coverage_is_valid(numpy.array(list(geometries.values()), dtype=object)):
        raise EtlError(f"{what}: neighbouring shapes no longer share their borders exactly (gap or overlap).")


def check_parts_kept(before: dict[str, Any], after: dict[str, Any], what: str) -> int:
    """Every island of the source is still drawn: each part of each region lies within one
    unit of what is written for that region. Returns the number of parts checked."""
    (shapely,) = _libraries("shapely")
    lost, checked = [], 0
    for code, geometry in before.items():
        for part in shapely.get_parts(geometry):
            checked += 1
            if part.distance(after[code]) > 1.0:
                lost.append(f"{code}: a part of {part.area:.0f} square units at {part.representative_point().wkt}")
    if lost:
        raise EtlError(f"{what}: simplification lost parts of regions.", lost)
    return checked


def path_data(geometry) -> str:
    """An SVG path for a (multi)polygon on the unit grid: each ring an absolute moveto then
    relative linetos (short numbers, compress well), largest part first; holes are drawn with
    fill-rule evenodd."""
    (shapely,) = _libraries("shapely")
    parts = sorted(shapely.get_parts(geometry), key=lambda p: -p.area)
    out = []
    for polygon in parts:
        for ring in (polygon.exterior, *polygon.interiors):
            points = [(int(round(x)), int(round(y))) for x, y in ring.coords[:-1]]
            steps = "".join(_pair(x - px, y - py) for (px, py), (x, y) in zip(points, points[1:]))
            out.append(f"M{points[0][0]} {points[0][1]}l{steps.lstrip(' ')}z")
    return "".join(out)


def region_entry(name: str, geometry) -> dict:
    """Name, path, bounding box and a point inside its largest part (for a label or a marker)."""
    (shapely,) = _libraries("shapely")
    largest = max(shapely.get_parts(geometry), key=lambda p: p.area)
    point = largest.point_on_surface()
    return {"name": name, "d": path_data(geometry), "box": [int(round(v)) for v in geometry.bounds],
            "point": [int(round(point.x)), int(round(point.y))]}


def _pair(dx: int, dy: int) -> str:
    """" 12-5" : a space before a number only where no minus sign separates it already."""
    return (f" {dx}" if dx >= 0 else str(dx)) + (f" {dy}" if dy >= 0 else str(dy))


def inset_shapes(framed: dict[str, Any], settings: dict) -> tuple[list[int], dict[str, str]]:
    """The regions reaching into the inset box, simplified less and clipped to it."""
    (shapely,) = _libraries("shapely")
    inset, frame, unit = settings["inset"], settings["frame"], settings["unit_m"]
    box = inset["box"]
    view = [round((box["west"] - frame["west"]) / unit), round((frame["north"] - box["north"]) / unit),
            round((box["east"] - box["west"]) / unit), round((box["north"] - box["south"]) / unit)]
    window = shapely.box(view[0], view[1], view[0] + view[2], view[1] + view[3])
    simplified = simplified_coverage(framed, inset["tolerance_m"] / unit)
    clipped = {code: on_grid(polygonal(shapely.intersection(g, window))) for code, g in simplified.items()
               if g.intersects(window)}
    clipped = {code: g for code, g in clipped.items() if not g.is_empty and g.area > 0}
    check_output(clipped, "inset")
    return view, {code: path_data(g) for code, g in sorted(clipped.items())}


def build_level(sources: Path, settings: dict, structure: str, level: str,
                borrowed: dict[str, Any] | None = None, borrowed_names: dict[str, str] | None = None) -> tuple[dict, dict]:
    """(output document, statistics) for one structure and level; `borrowed` municipalities
    (projected) are added as regions at municipality level and to their county's shape at county level."""
    (shapely,) = _libraries("shapely")
    spec = settings["structures"][structure][level]
    read = read_source(sources, spec, level)
    names = {code: name for code, (name, _) in read.items()}
    projected = repair(project({code: g for code, (_, g) in read.items()}, settings["crs"]))
    if borrowed and level == "municipality":
        projected.update(borrowed)
        names.update(borrowed_names or {})
    elif borrowed:
        projected = add_to_counties(projected, borrowed)
    framed = to_frame(dict(sorted(projected.items())), settings)
    shapes = simplified_coverage(framed, settings["tolerance_m"][level] / settings["unit_m"])
    check_output(shapes, f"{structure} {level}")
    parts_checked = check_parts_kept(framed, shapes, f"{structure} {level}")
    inset_box, inset_paths = inset_shapes(framed, settings)
    frame, unit = settings["frame"], settings["unit_m"]
    width = round((frame["east"] - frame["west"]) / unit)
    height = round((frame["north"] - frame["south"]) / unit)
    document = {
        "structure": structure,
        "level": level,
        "valid_on": settings["structures"][structure]["valid_on"],
        "crs": settings["crs"],
        "unit_m": unit,
        "view_box": [0, 0, width, height],
        "attribution": settings["attribution"],
        "regions": {code: region_entry(names[code], g) for code, g in shapes.items()},
        "inset": {"id": settings["inset"]["id"], "box": inset_box, "regions": inset_paths},
    }
    statistics = {
        "regions": len(shapes),
        "parts": int(sum(shapely.get_num_geometries(g) for g in shapes.values())),
        "source_parts": int(sum(shapely.get_num_geometries(g) for g in projected.values())),
        "vertices": int(sum(shapely.get_num_coordinates(g) for g in shapes.values())),
        "source_vertices": int(sum(shapely.get_num_coordinates(g) for g in projected.values())),
        "source_parts_checked_kept": parts_checked,
        "inset_regions": len(inset_paths),
    }
    return document, statistics


def write_document(document: dict, path: Path) -> None:
    """Compact JSON with one region per line, so a rebuild's diff shows which regions changed."""
    head = {k: v for k, v in document.items() if k not in ("regions", "inset")}
    lines = ["{" + json.dumps(head, ensure_ascii=False)[1:-1] + ","]
    lines.append('"regions": {')
    items = list(document["regions"].items())
    lines += [f"{json.dumps(code)}: {json.dumps(region, ensure_ascii=False)}" + ("," if n < len(items) - 1 else "")
              for n, (code, region) in enumerate(items)]
    lines.append("},")
    inset = document["inset"]
    lines.append('"inset": {' + f'"id": {json.dumps(inset["id"])}, "box": {json.dumps(inset["box"])}, "regions": {{')
    items = list(inset["regions"].items())
    lines += [f"{json.dumps(code)}: {json.dumps(d)}" + ("," if n < len(items) - 1 else "") for n, (code, d) in enumerate(items)]
    lines.append("}}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def registry_codes(level: str, valid_on: str) -> set[str]:
    from etl import regions as registry

    region_rows, _ = registry.read_bundle(ROOT / "data")
    valid = registry.valid_at(region_rows, valid_on)
    return set(valid.loc[valid["level"] == level, "code"])


def build(sources: Path = DEFAULT_SOURCE, out: Path = GEO_DIR, settings: dict | None = None) -> dict:
    """Write every structure and level, then the provenance file; returns the provenance."""
    numpy, pyproj, shapely = _libraries("numpy", "pyproj", "shapely")
    settings = settings or load_settings()
    sources = Path(sources)
    if not sources.is_dir():
        raise EtlError(f"Source folder not found: {sources}. Give the folder holding the Kartverket files with --source.")
    outputs, borrowed_checks = [], []
    for structure, spec in settings["structures"].items():
        borrowed, borrowed_names = {}, {}
        borrow = spec["municipality"].get("borrow")
        if borrow:
            donor_spec = settings["structures"][borrow["from"]]
            donor_read = read_source(sources, donor_spec["municipality"], "municipality")
            borrowed_names = {c: donor_read[c][0] for c in borrow["codes"] if c in donor_read}

            def projected(level_spec, level, keep=None):
                read = read_source(sources, level_spec, level)
                return repair(project({c: g for c, (_, g) in read.items() if keep is None or c in keep}, settings["crs"]))

            borrowed, checks = borrow_unchanged(
                borrow["codes"], projected(spec["municipality"], "municipality"),
                projected(donor_spec["municipality"], "municipality", borrow["codes"]), borrowed_names,
                projected(donor_spec["county"], "county"), spec["valid_on"], donor_spec["valid_on"])
            borrowed_checks += [{**check, "structure": structure} for check in checks]
        for level in LEVELS:
            document, statistics = build_level(sources, settings, structure, level, borrowed, borrowed_names)
            expected = registry_codes(level, spec["valid_on"])
            if set(document["regions"]) != expected:
                raise EtlError(f"{structure} {level}: the shapes' codes differ from the region registry on {spec['valid_on']}.",
                               [f"no shape: {sorted(expected - set(document['regions']))}",
                                f"not in the registry: {sorted(set(document['regions']) - expected)}"])
            path = Path(out) / output_name(structure, level)
            write_document(document, path)
            source_spec = spec[level]
            outputs.append({
                "file": path.name, "sha256": sha256(path), "bytes": path.stat().st_size,
                "structure": structure, "level": level, "valid_on": spec["valid_on"],
                "source": {"file": source_spec["file"], "sha256": source_spec["sha256"],
                           "repository": settings["source_repository"], "path": source_spec["source_path"],
                           "commit": source_spec["source_commit"], "commit_date": source_spec["source_date"]},
                "tolerance_m": settings["tolerance_m"][level], **statistics,
            })
            print(f"  {path.name:28} {statistics['regions']:4} regions {statistics['parts']:5} parts "
                  f"{statistics['vertices']:6} vertices (source {statistics['source_vertices']})  {path.stat().st_size:8} B")
    provenance = {
        "built": dt.date.today().isoformat(),
        "command": "python -m etl.geo",
        "licence": settings["licence"],
        "attribution": settings["attribution"],
        "attribution_full": settings["attribution_full"],
        "source_description": settings["source_description"],
        "crs": settings["crs"],
        "unit_m": settings["unit_m"],
        "frame_m": settings["frame"],
        "tolerance_m": settings["tolerance_m"],
        "inset": settings["inset"],
        "tools": {"python": platform.python_version(), "shapely": shapely.__version__,
                  "geos": shapely.geos_version_string, "pyproj": pyproj.__version__, "proj": pyproj.proj_version_str,
                  "numpy": numpy.__version__},
        "method": ["pyproj transform EPSG:4326 -> crs", "shapely.make_valid(method='structure') where invalid",
                   "shapely.coverage_clean", "shapely.coverage_simplify(tolerance_m)",
                   "shapely.set_precision(1 unit)", "checks: is_valid, coverage_is_valid, codes = region registry"],
        "borrowed": borrowed_checks,
        "outputs": outputs,
    }
    (Path(out) / "provenance.json").write_text(json.dumps(provenance, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return provenance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl.geo", description="Build data/geo/ from Kartverket's boundaries.")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                        help=f"folder of the source GeoJSON files (default {DEFAULT_SOURCE})")
    parser.add_argument("--out", type=Path, default=GEO_DIR, help="where to write (default data/geo)")
    args = parser.parse_args(argv)
    try:
        build(args.source, args.out)
    except EtlError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted; files already written are complete, the others unchanged", file=sys.stderr)
        return 130
    print(f"Wrote {args.out}/provenance.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
