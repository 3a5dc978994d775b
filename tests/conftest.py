"""Every test writes its warehouse, snapshots and run log under its own tmp_path, never into
data/. The bundled data in data/ is read as it is (that is what `make run` builds from)."""
from __future__ import annotations

import os

import pytest
from hypothesis import settings

# Property tests explore new random examples on every local run; CI (.ci/run sets
# HYPOTHESIS_PROFILE=ci) tries a fixed sequence, so a run that lands can be reproduced and a new
# finding shows up on a developer's machine rather than blocking an unrelated change.
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_collection_modifyitems(items):
    """Each test's kind: browser (tests/browser), integration (a module that says so with
    `pytestmark = pytest.mark.integration`), unit otherwise."""
    for item in items:
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.browser)
        elif not item.get_closest_marker("integration"):
            item.add_marker(pytest.mark.unit)


@pytest.fixture(autouse=True)
def isolated_outputs(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setenv("BOLIG_WAREHOUSE", str(out / "warehouse.duckdb"))
    monkeypatch.setenv("BOLIG_SNAPSHOTS", str(out / "snapshots"))
    monkeypatch.setenv("BOLIG_RUN_LOG", str(out / "etl_runs.jsonl"))
    # Never reach the real SSB or KLASS from a test: anything not pointed at a fake server fails fast.
    monkeypatch.setenv("BOLIG_SSB_BASE", "http://127.0.0.1:9/unreachable-ssb")
    monkeypatch.setenv("BOLIG_KLASS_BASE", "http://127.0.0.1:9/unreachable-klass")
    return out


@pytest.fixture(autouse=True)
def fresh_connection():
    """Each test starts and ends without the app's open warehouse connection, so a test never
    reads a file another test served."""
    from boligsosial.warehouse import db

    db.close()
    yield
    db.close()


@pytest.fixture(scope="session")
def bundled_warehouse(tmp_path_factory):
    """The warehouse `make run` builds from the bundled data, built once by the real ETL.
    Tests read it; none writes to it."""
    from etl import build

    out = tmp_path_factory.mktemp("bundled")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BOLIG_WAREHOUSE", str(out / "warehouse.duckdb"))
        patch.setenv("BOLIG_SNAPSHOTS", str(out / "snapshots"))
        patch.setenv("BOLIG_RUN_LOG", str(out / "etl_runs.jsonl"))
        return build.build().path


@pytest.fixture(scope="session")
def story_path(tmp_path_factory):
    """A TEST warehouse (made-up numbers) for the story pages and the chart card."""
    from tests.story_warehouse import build_story_warehouse

    return build_story_warehouse(tmp_path_factory.mktemp("story") / "warehouse.duckdb")
