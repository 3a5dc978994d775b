"""The dependency audit's verdict on pip-audit reports (.ci/audit.py): a known vulnerability
fails, an audit the service could not do is told apart from a clean one."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # tests/conftest.py: the kinds of test

spec = importlib.util.spec_from_file_location("ci_audit", Path(__file__).resolve().parents[1] / ".ci" / "audit.py")
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)


def test_a_vulnerable_pin_fails_and_names_the_fix():
    code, lines = audit.verdict({"dependencies": [
        {"name": "requests", "version": "2.25.0", "vulns": [{"id": "GHSA-x", "fix_versions": ["2.31.0"]}]},
        {"name": "dash", "version": "4.4.1", "vulns": []},
    ]})
    assert code == 1
    assert "VULNERABLE requests 2.25.0: GHSA-x (fixed in: 2.31.0)" in lines


def test_a_clean_audit_passes():
    code, lines = audit.verdict({"dependencies": [{"name": "dash", "version": "4.4.1", "vulns": []}]})
    assert code == 0 and lines[0] == "1 of 1 pinned packages audited."


def test_an_audit_of_nothing_is_not_a_pass():
    code, _ = audit.verdict({"dependencies": [{"name": "dash", "skip_reason": "Dependency not found on PyPI"}]})
    assert code == 2


def test_partly_audited_lists_what_was_not(tmp_path):
    code, lines = audit.verdict({"dependencies": [
        {"name": "dash", "version": "4.4.1", "vulns": []},
        {"name": "private-thing", "skip_reason": "Dependency not found on PyPI"},
    ]})
    assert code == 0 and "Not audited: private-thing" in lines


def test_ignore_file_ids_and_reasons(tmp_path):
    ignore = tmp_path / "audit-ignore"
    ignore.write_text("# id  # why, review by\nGHSA-aaaa  # not reachable: we never parse XML, review 2027-01\n\nPYSEC-1\n")
    assert audit.ignored_ids(ignore) == ["GHSA-aaaa", "PYSEC-1"]
