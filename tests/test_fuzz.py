"""Bad input: random and hostile values in every page's URL parameters and every API route
never give a 500 or a traceback, only 200/400/404 with something to read; and nothing from a
request reaches SQL except as a bound parameter.

Pages, API routes and callbacks are enumerated when the suite runs (dash.page_registry,
app.server.url_map, app.callback_map), so whatever is added later is covered without editing
this file. The parameter names tried on each are the ones it declares (a layout's arguments),
the ones it links to itself, the ones the served OpenAPI document lists, a few generic ones,
and random ones.
"""
from __future__ import annotations

import ast
import hashlib
import inspect
import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import dash
import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import app as app_module
from boligsosial.warehouse import db
from tests.warehouse_factory import build_test_warehouse

pytestmark = pytest.mark.integration  # tests/conftest.py: the kinds of test

ROOT = Path(__file__).resolve().parents[1]
server = app_module.server
app = app_module.app

INJECTIONS = [
    "'; DROP TABLE observation; --",
    "0' OR '1'='1",
    "homeless' UNION SELECT key, value FROM meta --",
    "1; DELETE FROM meta",
    '"; CREATE TABLE pwned (x INT); --',
    "$indicator",
    "?",
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "/etc/passwd\x00.csv",
    "<script>alert(1)</script>",
    "\r\nSet-Cookie: owned=1",
]
HOSTILE = INJECTIONS + [
    "x" * 10_000,
    "\u202eevil\u202c",  # right-to-left override
    "בית 家 🏠 \u0000 \ufeff",
    "\x00",
    "-1", "-999999999999999999999999", "99999999999999999999999999", "1e308", "-1e308", "NaN", "inf", "0x7fffffff",
    "", " ", "null", "[]", "{}", "%", "%%", "\\", "a,b,,c", "1|2=3",
]
GENERIC_NAMES = [
    "lang", "q", "id", "indicator", "region", "regions", "from", "to", "period", "year", "breakdown", "by", "codes",
    "level", "at", "format", "limit", "offset", "page", "sort", "tab", "view",
]
LEAKS = ("Traceback (most recent call last)", 'File "/', "site-packages", "werkzeug.exceptions", "duckdb.")
MACHINE_PREFIXES = ("/api/", "/_dash-")

values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """One warehouse for the whole module (hypothesis runs many examples per test); the
    per-test BOLIG_WAREHOUSE from conftest is pointed at it in `warehouse`."""
    path = build_test_warehouse(tmp_path_factory.mktemp("fuzz") / "warehouse.duckdb")
    return server.test_client(), path


@pytest.fixture
def http(client, monkeypatch):
    test_client, path = client
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(path))
    return test_client


def _text(response) -> str:
    return response.get_data().decode("utf-8", errors="replace")  # downloads are binary


def _check(response, allowed=(200, 400, 404)) -> None:
    body = _text(response)
    if response.status_code == 308 and "//" in response.request.path:
        # An empty path argument makes "//": Werkzeug answers with a redirect to the path with
        # the slashes merged, which is an answer, not a break.
        assert "//" not in urlsplit(response.headers["Location"]).path
        return
    assert response.status_code in allowed, (response.status_code, response.request.url[:300], body[:500])
    for leak in LEAKS:
        assert leak not in body, (leak, response.request.url[:300])
    if response.status_code >= 400:  # says what was wrong
        if response.is_json:
            error = response.get_json()["error"]
            assert error["message_nb"] and error["message_en"]
        else:
            assert "<h1" in body


# ------------------------------------------------------------------------------ what to try


def _page_path(page: dict, path_values: dict[str, str]) -> str:
    if not page.get("path_template"):
        return page["path"]
    return re.sub(r"<([^>]+)>", lambda m: quote(path_values.get(m[1], "x"), safe=""), page["path_template"])


def _declared_names(page: dict) -> list[str]:
    layout = page["layout"]
    if not callable(layout):
        return []
    parameters = inspect.signature(layout).parameters.values()
    return [p.name for p in parameters if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]


def _linked_names(http, path: str) -> set[str]:
    """Query parameter names in the links a page makes to itself (its own choices)."""
    body = http.get(path).get_data(as_text=True)
    names = set()
    for href in re.findall(r'href="([^"]+)"', body):
        parts = urlsplit(href.replace("&amp;", "&"))
        if parts.path == path:
            names.update(name for name, _ in parse_qsl(parts.query, keep_blank_values=True))
    return names


def _openapi_names(http) -> set[str]:
    names = set()
    for rule in _api_rules():
        if rule.rule.endswith("openapi.json") and not rule.arguments:
            document = http.get(rule.rule).get_json(silent=True) or {}
            names.update(re.findall(r'"name": "([^"]+)"', json.dumps(document)))
    return names


def _api_rules() -> list:
    return sorted(
        (r for r in server.url_map.iter_rules() if r.rule.startswith("/api/") and "GET" in r.methods),
        key=lambda r: r.rule,
    )


def _api_url(rule, arguments: dict[str, str]) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: quote(arguments.get(m[1], "x"), safe=""), rule.rule)


def _query(params: dict) -> str:
    return urlencode(params, doseq=True)


PAGES = list(dash.page_registry.values())  # filled when app.py created the Dash app
API_RULES = _api_rules()
# Examples per test: pages render in 0.1-0.5 s each in-process, API answers and 404s in a few ms.
FUZZ_PAGE = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# ------------------------------------------------------------------------------ pages


@pytest.mark.parametrize("page", PAGES, ids=[p["path"] for p in PAGES])
def test_page_parameters_never_break_a_page(http, page):
    known = sorted(set(_declared_names(page)) | _linked_names(http, page["path"]) | set(GENERIC_NAMES))
    names = st.one_of(st.sampled_from(known), st.text(min_size=1, max_size=20))
    template_vars = re.findall(r"<([^>]+)>", page.get("path_template") or "")

    @FUZZ_PAGE
    @given(
        params=st.dictionaries(names, st.one_of(values, st.lists(values, min_size=2, max_size=3)), max_size=4),
        path_values=st.fixed_dictionaries({name: values for name in template_vars}),
    )
    def run(params, path_values):
        path = _page_path(page, path_values)
        _check(http.get(f"{path}?{_query(params)}"))

    run()


@FUZZ
@given(segments=st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=30)), min_size=1, max_size=3))
def test_any_path_is_a_page_or_a_clear_404(http, segments):
    path = "/" + "/".join(quote(segment, safe="") for segment in segments)
    _check(http.get(path), allowed=(200, 308, 400, 404))


# ------------------------------------------------------------------------------ API


def test_there_are_api_routes_to_fuzz():
    """The API is being built alongside; once it exists, the fuzz below must be reaching it."""
    assert API_RULES, "no /api/ routes registered"


@pytest.mark.parametrize("rule", API_RULES, ids=[r.rule for r in API_RULES])
def test_api_parameters_never_break_the_api(http, rule):
    known = sorted(_openapi_names(http) | set(GENERIC_NAMES))
    names = st.one_of(st.sampled_from(known), st.text(min_size=1, max_size=20))
    # Real ids and formats alongside hostile ones, so examples also get past the first check.
    argument_values = st.one_of(values, st.sampled_from(["homeless", "homeless_per_1000", "csv", "json", "xlsx", "parquet"]))

    @FUZZ
    @given(
        params=st.dictionaries(names, st.one_of(values, st.lists(values, min_size=2, max_size=3)), max_size=4),
        arguments=st.fixed_dictionaries({name: argument_values for name in sorted(rule.arguments)}),
    )
    def run(params, arguments):
        _check(http.get(f"{_api_url(rule, arguments)}?{_query(params)}"))

    run()


# ------------------------------------------------------------------------------ SQL


def _fingerprint(path: Path) -> tuple[str, dict[str, int]]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    db.close()  # one process may hold a file only with one configuration: let the app's go
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = {
            name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # names from the catalogue itself
            for (name,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()
        }
    finally:
        con.close()
    return digest, tables


def _router_callback_bodies(search: str, pathname: str):
    """Bodies for Dash's page-router callback (and any other callback with string ids): the
    browser sends these when a reader navigates; every input carries the hostile value."""
    for output, spec in app.callback_map.items():
        inputs = spec["inputs"]
        if any(not isinstance(item["id"], str) for item in inputs):
            continue  # pattern-matching ids need a matching layout; none exist yet
        outputs = [
            {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
            for part in output.strip(".").split("...")
        ]
        value = {"pathname": pathname, "search": search}
        yield {
            "output": output,
            "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": [{**item, "value": value.get(item["property"], search)} for item in inputs],
            "state": [{**item, "value": search} for item in spec.get("state", [])],
            "changedPropIds": [f"{item['id']}.{item['property']}" for item in inputs],
        }


def test_injection_strings_through_every_route_change_nothing(http, client):
    """Every injection string through every page (as each of its parameters and path parts)
    and every API route; through Dash's callback route once per page, the strings spread over
    the parameters (the router runs the same layout code as the page request). Then the file
    must be byte for byte what it was, with the same tables and rows."""
    _, path = client
    before = _fingerprint(path)
    http.get("/")  # Dash's router callback exists after the first request
    api_names = sorted(_openapi_names(http) | set(GENERIC_NAMES))
    requests = 0
    for page in PAGES:
        names = sorted(set(_declared_names(page)) | set(GENERIC_NAMES))
        path_vars = re.findall(r"<([^>]+)>", page.get("path_template") or "")
        for injection in INJECTIONS:
            page_path = _page_path(page, {name: injection for name in path_vars})
            _check(http.get(f"{page_path}?{_query({name: injection for name in names})}"))
            requests += 1
        spread = {name: INJECTIONS[i % len(INJECTIONS)] for i, name in enumerate(names)}
        for body in _router_callback_bodies("?" + _query(spread), _page_path(page, {})):
            response = http.post("/_dash-update-component", json=body)
            assert not any(leak in _text(response) for leak in LEAKS)
            requests += 1
    for rule in API_RULES:
        for injection in INJECTIONS:
            url = _api_url(rule, {name: injection for name in rule.arguments})
            _check(http.get(f"{url}?{_query({name: injection for name in api_names})}"))
            requests += 1
    assert requests >= len(INJECTIONS) * (len(PAGES) + len(API_RULES))
    assert _fingerprint(path) == before  # same bytes, same tables, same row counts


# Dynamic SQL text (f-strings, str.format, %, +) is allowed only where a reviewer has checked
# that no request value can reach it. Each entry: (file, function) -> why it is safe. A new
# dynamic SQL string fails the test until it is reviewed and listed here.
REVIEWED_DYNAMIC_SQL = {
    ("boligsosial/warehouse/", "selection_rows"): "table and columns come from the fixed _SELECTION_TABLES dict",
    ("boligsosial/warehouse/", "table_arrow"): "the name must be one table_names() lists, and is quoted",
}
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|DROP|CREATE|FROM|WHERE|PRAGMA|ATTACH|COPY)\b")


def _dynamic_sql(tree: ast.Module) -> list[tuple[str, int]]:
    """(function, line) of every SQL text built from non-literal parts."""
    constants = {
        target.id: node.value.value
        for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets if isinstance(target, ast.Name) and isinstance(node.value.value, str)
    }

    def literal_text(node) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return constants.get(node.id, "")
        if isinstance(node, ast.JoinedStr):
            return "".join(literal_text(v) for v in node.values)
        if isinstance(node, ast.BinOp):
            return literal_text(node.left) + literal_text(node.right)
        return ""

    found = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            built = (
                isinstance(node, ast.JoinedStr) and any(isinstance(v, ast.FormattedValue) for v in node.values)
                or isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add))
                or isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
            )
            if not built:
                continue
            text = literal_text(node.func.value if isinstance(node, ast.Call) else node)
            if SQL_WORDS.search(text):
                found.append((function.name, node.lineno))
    return found


def test_no_sql_is_built_from_request_values():
    files = sorted([*ROOT.glob("boligsosial/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"])
    unreviewed, reviewed_seen = [], set()
    for file in files:
        relative = file.relative_to(ROOT).as_posix()
        for function, line in _dynamic_sql(ast.parse(file.read_text(encoding="utf-8"))):
            if (relative, function) in REVIEWED_DYNAMIC_SQL:
                reviewed_seen.add((relative, function))
            else:
                unreviewed.append(f"{relative}:{line} in {function}()")
    assert not unreviewed, "SQL text built from variables; bind values as parameters instead: " + ", ".join(unreviewed)
    assert reviewed_seen == set(REVIEWED_DYNAMIC_SQL), "stale entries in REVIEWED_DYNAMIC_SQL"


def test_the_static_check_finds_sql_built_from_values():
    """The check above must be able to fail."""
    tree = ast.parse(
        "def f(name):\n"
        "    cursor.execute(f'SELECT * FROM observation WHERE region = {name}')\n"
        "def g(name):\n"
        "    cursor.execute('SELECT * FROM t WHERE x = ' + name)\n"
        "def h(name):\n"
        "    cursor.execute('SELECT * FROM t WHERE x = %s' % name)\n"
        "def i(name):\n"
        "    cursor.execute(SQL.format(name))\n"
        "SQL = 'SELECT * FROM {}'\n"
        "def ok(name):\n"
        "    cursor.execute('SELECT * FROM t WHERE x = $x', {'x': name})\n"
    )
    assert [function for function, _ in _dynamic_sql(tree)] == ["f", "g", "h", "i"]

