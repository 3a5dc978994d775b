"""The pure parts of the bench scripts (bench/): percentiles, the URL mix, route names,
gunicorn's and wrk's output, the nginx config. No timing is asserted here: the
benches measure, these tests check that what they compute from a measurement is right."""
from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import loadgen  # noqa: E402
import nginx_bench  # noqa: E402
import refresh_bench  # noqa: E402
import server_time  # noqa: E402

pytestmark = pytest.mark.integration  # tests/conftest.py: the kinds of test

Target = loadgen.Target


# ------------------------------------------------------------------------------ percentiles


def test_percentiles_are_nearest_rank_in_milliseconds():
    values = [i / 1000 for i in range(1, 101)]  # 1 ms .. 100 ms
    random.Random(3).shuffle(values)
    p = loadgen.percentiles(values)
    assert p == {"count": 100, "p50_ms": 51.0, "p95_ms": 96.0, "p99_ms": 100.0, "max_ms": 100.0, "mean_ms": 50.5}


def test_percentiles_of_one_value_and_of_none():
    assert loadgen.percentiles([0.0123])["p99_ms"] == 12.3
    assert loadgen.percentiles([]) == {}


# ------------------------------------------------------------------------------ the URL mix


def test_pick_follows_the_weights_and_leaves_out_empty_groups():
    targets = {"page": [Target("page", "/")], "api": [Target("api", "/api/v1/")], "public": []}
    mix = {"page": 0.75, "api": 0.25, "public": 5.0}
    rng = random.Random(7)
    counts = Counter(loadgen.pick(targets, mix, rng).group for _ in range(4000))
    assert set(counts) == {"page", "api"}  # "public" has no URL: its weight goes to the others
    assert 0.72 < counts["page"] / 4000 < 0.78
    assert loadgen.share(targets, mix) == {"page": 0.75, "api": 0.25}


def test_route_and_group_names():
    assert loadgen.route_of("GET", "/api/v1/indicators/homeless/data.csv?region=all") == "GET /api/v1/indicators/{id}/data.csv"
    assert loadgen.route_of("GET", "/api/v1/indicators/homeless") == "GET /api/v1/indicators/{id}"
    assert loadgen.route_of("GET", "/figur/homeless.svg?lang=en") == "GET /figur/{id}.svg"
    assert loadgen.route_of("GET", "/embed/homeless") == "GET /embed/{id}"
    assert loadgen.route_of("GET", "/bostedslose?lang=en") == "GET /bostedslose"
    assert loadgen.group_of("GET", "/assets/style.css") == "static"
    assert loadgen.group_of("GET", "/api/v1/download/boligsosial.zip") == "download"
    assert loadgen.group_of("GET", "/api/v1/indicators/homeless/data.xlsx?region=all") == "download"
    assert loadgen.group_of("GET", "/api/v1/indicators?q=bolig") == "api"
    assert loadgen.group_of("GET", "/figur/homeless") == "public"
    assert loadgen.group_of("GET", "/healthz") == "healthz"
    assert loadgen.group_of("GET", "/strategier") == "page"


def test_the_mix_file_names_only_known_groups_and_covers_every_api_route():
    spec = yaml.safe_load(loadgen.MIX_FILE.read_text(encoding="utf-8"))
    assert set(spec["mix"]) == set(spec["urls"])
    # Dash's browser routes answer 404 (boligsosial/web/page_route.py): the mix asks none of them.
    assert not any("/_dash-" in url for urls in spec["urls"].values() for url in urls)
    for group, urls in spec["urls"].items():
        assert urls, group
        assert all(loadgen.group_of("GET", url) == group for url in urls), group
    samples = spec["urls"]["api"] + spec["urls"]["download"]
    assert server_time.uncovered(server_time.api_routes(), samples) == []


def test_uncovered_matches_route_patterns():
    patterns = ["/api/v1/indicators/{id}", "/api/v1/indicators/{id}/data.{format}", "/api/v1/regions"]
    paths = ["/api/v1/indicators/homeless/data.csv?region=all", "/api/v1/regions?level=county"]
    assert server_time.uncovered(patterns, paths) == ["/api/v1/indicators/{id}"]


# ------------------------------------------------------------------------------ server output


def test_access_log_lines_give_method_path_status_and_seconds():
    lines = [
        "[2026-11-21 08:00:00 +0000] [1] [INFO] Booting worker with pid: 2",
        "GET /api/v1/regions?level=county 200 12345",
        "GET /healthz? 200 800",
        "GET /data? 500 99000",
    ]
    rows = loadgen.parse_access_log(lines)
    assert rows == [("GET", "/api/v1/regions?level=county", 200, 0.012345), ("GET", "/healthz", 200, 0.0008),
                    ("GET", "/data", 500, 0.099)]
    times = loadgen.server_times(rows)
    assert set(times) == {"GET /api/v1/regions", "GET /healthz"}  # failed requests are not timed
    assert times["GET /api/v1/regions"]["p50_ms"] == 12.3


WRK_OUTPUT = """Running 8s test @ http://127.0.0.1:4000/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    10.21ms    2.01ms  30.00ms   90.00%
  Latency Distribution
     50%    9.80ms
     75%   11.00ms
     90%   12.50ms
     99%    1.20s
  3120 requests in 8.00s, 40.10MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:    390.00
Transfer/sec:      5.01MB
"""


def test_wrk_output_is_parsed():
    assert server_time.parse_wrk(WRK_OUTPUT) == {"requests_per_s": 390.0, "requests": 3120, "p50_ms": 9.8,
                                                 "p99_ms": 1200.0, "non_2xx_3xx": 4, "socket_errors": 3}
    assert server_time.parse_wrk("")["requests_per_s"] is None


def test_refresh_requests_are_named_by_kind():
    kinds = [refresh_bench.request_kind(p) for p in (
        "/api/pxwebapi/v2/config", "/api/pxwebapi/v2/tables", "/api/pxwebapi/v2/tables/07459",
        "/api/pxwebapi/v2/tables/07459/metadata", "/api/pxwebapi/v2/tables/07459/data")]
    assert kinds == ["config", "search", "table", "metadata", "data"]


# ------------------------------------------------------------------------------ nginx


def rendered(tmp_path: Path, ttl: str, run_as: str | None = None) -> str:
    values = nginx_bench.config_values(tmp_path, 8181, [9001, 9002], ttl, run_as)
    return nginx_bench.render(nginx_bench.TEMPLATE.read_text(encoding="utf-8"), values)


def test_nginx_config_is_rendered_completely_into_the_folder(tmp_path):
    conf = rendered(tmp_path, "0")
    assert "{{" not in conf and "}}" not in conf
    assert "listen 127.0.0.1:8181;" in conf
    assert "server 127.0.0.1:9001;" in conf and "server 127.0.0.1:9002;" in conf
    # Everything nginx writes goes to the folder: no /var, no /etc.
    for directive in ("pid", "error_log", "access_log", "proxy_cache_path", "client_body_temp_path", "proxy_temp_path"):
        lines = [line.strip() for line in conf.splitlines() if line.strip().startswith(directive + " ")]
        assert lines and all(line.split()[1].startswith(str(tmp_path)) for line in lines), directive
    assert "/var/" not in conf and "/etc/" not in conf
    assert conf.count("{") == conf.count("}")


def test_nginx_cache_key_is_the_data_version_and_the_version_question_ttl_is_honoured(tmp_path):
    strict = rendered(tmp_path, "0")
    key = next(line for line in strict.splitlines() if line.strip().startswith("proxy_cache_key") and "$request_uri" in line)
    assert "$data_version" in key and "$http_host" in key
    assert "auth_request_set $data_version $upstream_http_x_data_version;" in strict
    assert "proxy_no_cache $version_mismatch;" in strict
    version_block = strict.split("location = /_data_version", 1)[1].split("}", 1)[0]
    assert "proxy_cache off;" in version_block
    cached = rendered(tmp_path, "1s").split("location = /_data_version", 1)[1].split("}", 1)[0]
    assert "proxy_cache_valid 200 1s;" in cached and "proxy_cache version;" in cached
    # Health checks and the live status page bypass the cache.
    for path in ("/healthz", "/status"):
        assert f"location = {path} {{ proxy_pass http://app; }}" in strict


def test_nginx_user_line_only_when_started_as_root(tmp_path):
    assert "user nobody nogroup;" in rendered(tmp_path, "0", "nobody nogroup")
    assert "\nuser " not in rendered(tmp_path, "0", None)


def test_render_refuses_a_placeholder_without_a_value():
    with pytest.raises(KeyError, match="missing"):
        nginx_bench.render("listen {{port}}; {{missing}}", {"port": "1"})


def test_cache_hit_ratio_counts_only_requests_that_went_through_the_cache():
    statuses = nginx_bench.cache_statuses(['HIT 200 0.001 GET "/"', 'HIT 200 0.001 GET "/data"',
                                           'MISS 200 0.2 GET "/x"', '- 200 0.003 GET "/healthz"', ""])
    assert statuses == Counter({"HIT": 2, "MISS": 1, "-": 1})
    assert nginx_bench.hit_ratio(statuses) == 0.667
    assert nginx_bench.hit_ratio(Counter({"-": 3})) is None


def test_throughput_comparison_takes_medians_and_refuses_rounds_with_failures():
    def run(rate, non_2xx=0):
        return {"requests_per_s": rate, "requests": 100, "p50_ms": 1.0, "p99_ms": 2.0, "non_2xx_3xx": non_2xx, "socket_errors": 0}

    compared = server_time.compare([(run(100), run(200)), (run(90), run(100)), (run(300), run(400))])
    assert compared["page_requests_per_s"] == 100 and compared["static_requests_per_s"] == 200
    assert compared["ratio"] == 0.75  # median of 0.5, 0.9, 0.75
    assert server_time.compare([(run(100, non_2xx=3), run(200)), (run(90), run(100))])["ratio"] is None
