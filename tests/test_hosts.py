"""The Host header is never trusted for links (issue 14, finding 5): every absolute link names
BOLIG_PUBLIC_URL when it is set (whatever Host was sent), and without it a request naming a
host outside the trusted list is refused with 400. Responses are cacheable (public,
max-age=300), so one forged Host echoed into a link could reach every reader of a cache that
does not key on Host."""
from __future__ import annotations

import io
import zipfile

import pytest

import app as app_module
from boligsosial.config import settings
from boligsosial.web import api
from tests.warehouse_factory import build_test_warehouse

server = app_module.server
FORGED = "evil.example"
PUBLIC = "https://statistikk.example.no"

# Every route that writes absolute links, with what it writes them into.
LINKING = [
    "/figur/homeless",  # canonical, share and embed links
    "/embed/homeless",
    "/figur/homeless.svg",  # the address written into the image
    "/api/v1/",  # the API's links
    "/api/v1/indicators",
    "/api/v1/indicators/homeless",
    "/api/v1/openapi.json",
    "/api/v1/indicators/homeless/data.csv",  # "API-adresse" and "Siter som"
    "/api/v1/indicators/homeless/data.json",
    "/api/v1/download/boligsosial.zip",  # its README
]


@pytest.fixture
def client():
    build_test_warehouse(settings.warehouse_path())
    api._database_zip.cache_clear()
    return server.test_client()


def _text(response) -> str:
    if response.mimetype == "application/zip":
        return zipfile.ZipFile(io.BytesIO(response.data)).read("README.md").decode("utf-8")
    return response.get_data(as_text=True)


@pytest.mark.parametrize("path", [*LINKING, "/", "/data", "/assets/style.css"])
def test_an_unknown_host_is_refused_and_never_echoed(client, path):
    response = client.get(path, headers={"Host": FORGED})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert FORGED not in body
    assert not any(FORGED in value for _, value in response.headers.items())
    if path.startswith("/api/"):
        assert response.get_json()["error"]["status"] == 400


def test_the_refusal_says_why_in_the_readers_language(client):
    body = client.get("/?lang=en", headers={"Host": FORGED}).get_data(as_text=True)
    assert "Unknown host name" in body and "does not answer for the host name" in body


def test_health_checks_may_name_the_replica_by_any_address(client):
    response = client.get("/healthz", headers={"Host": "10.0.3.7:8050"})
    assert response.status_code == 200 and "10.0.3.7" not in response.get_data(as_text=True)


@pytest.mark.parametrize("host", ["localhost", "localhost:8050", "127.0.0.1:8050", "[::1]:8050"])
def test_this_machine_is_trusted_by_default(client, host):
    response = client.get("/api/v1/", headers={"Host": host})
    assert response.status_code == 200
    assert response.get_json()["indicators"] == f"http://{host}/api/v1/indicators"


def test_a_trusted_host_names_itself(client, monkeypatch):
    monkeypatch.setenv("BOLIG_TRUSTED_HOSTS", "stats.example, other.example")
    response = client.get("/figur/homeless", headers={"Host": "stats.example"})
    assert response.status_code == 200
    assert '<link rel="canonical" href="http://stats.example/figur/homeless?' in response.get_data(as_text=True)
    assert client.get("/figur/homeless", headers={"Host": FORGED}).status_code == 400


@pytest.mark.parametrize("path", LINKING)
def test_with_a_public_url_every_absolute_link_names_it(client, monkeypatch, path):
    monkeypatch.setenv("BOLIG_PUBLIC_URL", PUBLIC + "/")
    response = client.get(path, headers={"Host": FORGED})
    assert response.status_code == 200, path
    text = _text(response)
    assert PUBLIC in text, path
    assert FORGED not in text and "localhost" not in text, path


def test_the_csv_cites_the_public_address(client, monkeypatch):
    monkeypatch.setenv("BOLIG_PUBLIC_URL", PUBLIC)
    text = client.get("/api/v1/indicators/homeless/data.csv?region=0", headers={"Host": FORGED}).data.decode("utf-8-sig")
    assert f'# API-adresse;"{PUBLIC}/api/v1/indicators/homeless/data.csv?region=0&' in text
    assert FORGED not in text


def test_a_redirect_names_the_public_address_too(client, monkeypatch):
    monkeypatch.setenv("BOLIG_PUBLIC_URL", PUBLIC)
    response = client.get("/api/v1", headers={"Host": FORGED})  # Werkzeug adds the slash
    assert response.status_code in (301, 308)
    assert response.headers["Location"] in (f"{PUBLIC}/api/v1/", "/api/v1/")


def test_the_database_zip_is_built_once_whatever_the_host(client, monkeypatch):
    monkeypatch.setenv("BOLIG_PUBLIC_URL", PUBLIC)
    for host in ("a.example", "b.example", "c.example", "localhost"):
        assert client.get("/api/v1/download/boligsosial.zip", headers={"Host": host}).status_code == 200
    assert api._database_zip.cache_info().misses == 1


@pytest.mark.parametrize("value", ["statistikk.example.no", "ftp://x.example", "https://x.example/sub",
                                   "https://user@x.example", "https://x.example/?q=1", "javascript:alert(1)"])
def test_a_malformed_public_url_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("BOLIG_PUBLIC_URL", value)
    with pytest.raises(ValueError, match="BOLIG_PUBLIC_URL"):
        settings.public_url()
