"""What gets installed is exactly what was locked (issue 14, finding 6): every package in the
lock files pinned and hashed (pip's --require-hashes refuses any other file), the build backend
pinned and locked too, installs that use them, a Docker base image of an exact patch release
with the zipfile fixes, and every start of the server reading gunicorn.conf.py."""
from __future__ import annotations

import re
import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.live_server import ROOT

LOCKS = ("constraints.txt", "constraints-test.txt")
# The first 3.11 with every zipfile fix the imports rely on (see the Dockerfile's comment).
ZIPFILE_FIXED = (3, 11, 14)


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _lock(name: str) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of every requirement in a lock file."""
    text = (ROOT / name).read_text(encoding="utf-8")
    entries: dict[str, tuple[str, list[str]]] = {}
    for logical in re.sub(r"\\\n", " ", text).splitlines():
        logical = logical.split("#", 1)[0].strip()
        if not logical:
            continue
        requirement, *options = re.split(r"\s+(?=--)", logical)
        parsed = Requirement(requirement)
        specifiers = list(parsed.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"{name}: {requirement} is not pinned"
        hashes = [option.split("=", 1)[1] for option in options if option.startswith("--hash=")]
        entries[canonicalize_name(parsed.name)] = (specifiers[0].version, hashes)
    return entries


@pytest.mark.parametrize("name", LOCKS)
def test_every_locked_package_is_pinned_with_its_hashes(name):
    entries = _lock(name)
    assert len(entries) > 40
    for package, (_, hashes) in entries.items():
        assert hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), f"{name}: {package} has no hash"


def test_the_locks_agree_and_hold_every_dependency():
    runtime, everything = _lock("constraints.txt"), _lock("constraints-test.txt")
    for package, (version, _) in runtime.items():
        assert everything[package][0] == version, package
    project = _pyproject()["project"]
    for dependency in project["dependencies"]:
        assert canonicalize_name(Requirement(dependency).name) in runtime, dependency
    for dependency in project["optional-dependencies"]["test"]:
        assert canonicalize_name(Requirement(dependency).name) in everything, dependency


def test_the_build_backend_is_pinned_and_locked():
    [backend] = _pyproject()["build-system"]["requires"]
    requirement = Requirement(backend)
    [specifier] = requirement.specifier
    assert specifier.operator == "=="
    for name in LOCKS:
        assert _lock(name)[canonicalize_name(requirement.name)][0] == specifier.version, name


def test_the_installed_versions_are_the_locked_ones():
    for package, (version, _) in _lock("constraints-test.txt").items():
        assert metadata.version(package) == version, package


def test_installs_require_the_hashes():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install -q --require-hashes -r constraints-test.txt" in makefile
    assert "pip install -q --no-deps --no-build-isolation -e ." in makefile
    assert "--upgrade pip" not in makefile
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install --require-hashes -r constraints.txt" in dockerfile
    assert "pip install --no-deps --no-build-isolation -e ." in dockerfile
    assert not re.search(r"pip install [^\n]*-c constraints", dockerfile + makefile)


def test_the_docker_base_image_is_an_exact_release_with_the_zipfile_fixes():
    [image] = re.findall(r"^FROM\s+(\S+)", (ROOT / "Dockerfile").read_text(encoding="utf-8"), re.MULTILINE)
    found = re.fullmatch(r"python:(\d+)\.(\d+)\.(\d+)-[a-z-]+(@sha256:[0-9a-f]{64})?", image)
    assert found, f"{image}: not an exact patch release"
    assert tuple(int(part) for part in found.groups()[:3]) >= ZIPFILE_FIXED, image


# How each place starts gunicorn: every such line must name the config.
STARTS = {"Makefile": "$(BIN)/gunicorn ", "Dockerfile": 'CMD ["gunicorn"', "bench/loadgen.py": 'with_name("gunicorn")',
          "tests/live_server.py": "[str(gunicorn),"}


@pytest.mark.parametrize("path", STARTS)
def test_every_start_of_the_server_reads_gunicorn_conf(path):
    lines = [line for line in (ROOT / path).read_text(encoding="utf-8").splitlines() if STARTS[path] in line]
    assert lines, path
    assert all("gunicorn.conf.py" in line and "--threads 1" not in line for line in lines), lines
