"""Known vulnerabilities in the pinned dependencies: `make audit` (and CI) run this.

pip-audit checks every version pinned in constraints.txt against a vulnerability service (PyPI's
own JSON API first, OSV as a second). It lives in its own venv (.venv-audit), so it never
changes the versions the app is tested with and `make lock` never pins it.

Outcome:
- exit 1: a pinned version has a known vulnerability. CI fails, because the app is public and
  the fix is usually one pin (`make lock` after raising it). A vulnerability that does not
  apply, or has no fix yet, goes into .ci/audit-ignore with its reason and a review date.
- exit 0 with a NOTE: the audit could not be done here (pip-audit cannot be installed, or no
  service answered for the pinned versions; registry mirrors often serve packages but not the
  vulnerability data). Set AUDIT_REQUIRED=1 where the real registry answers, so that an audit
  which silently stops working fails instead.
- exit 0: every pinned version audited, nothing known.

Usage: python .ci/audit.py [constraints.txt]
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AUDIT_VENV = ROOT / ".venv-audit"
PIP_AUDIT = "pip-audit==2.10.1"
IGNORE_FILE = Path(__file__).with_name("audit-ignore")
SERVICES = ("pypi", "osv")


def _pip_audit() -> Path:
    executable = AUDIT_VENV / "bin" / "pip-audit"
    if not executable.exists():
        venv.create(AUDIT_VENV, with_pip=True)
        subprocess.run([str(AUDIT_VENV / "bin" / "python"), "-m", "pip", "install", "-q", PIP_AUDIT], check=True)
    return executable


def ignored_ids(path: Path = IGNORE_FILE) -> list[str]:
    """Vulnerability ids from .ci/audit-ignore: one per line, '#' starts the reason."""
    if not path.exists():
        return []
    return [line.split("#", 1)[0].strip() for line in path.read_text().splitlines() if line.split("#", 1)[0].strip()]


def run(pip_audit: Path, requirements: Path, service: str) -> tuple[dict | None, str]:
    """pip-audit's JSON report, or None and why there is none."""
    command = [
        str(pip_audit), "--requirement", str(requirements),
        # Every version is pinned, so nothing needs resolving or installing: audit the pins as they are.
        "--no-deps", "--disable-pip", "--progress-spinner", "off", "--format", "json",
        "--vulnerability-service", service,
    ]
    for vulnerability in ignored_ids():
        command += ["--ignore-vuln", vulnerability]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    try:
        return json.loads(result.stdout), ""
    except ValueError:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"{service}: {last[:300]}"


def verdict(report: dict) -> tuple[int, list[str]]:
    """(exit code, lines to print) for one pip-audit JSON report."""
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    skipped = [d for d in dependencies if "skip_reason" in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    lines = [f"{len(audited)} of {len(dependencies)} pinned packages audited."]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            lines.append(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in: {fixes})")
    if skipped:
        lines.append("Not audited: " + ", ".join(d["name"] for d in skipped))
    if vulnerable:
        return 1, lines
    if not audited and dependencies:
        return 2, lines  # the service answered for nothing: no audit happened
    return 0, lines + ["No known vulnerabilities in the audited packages."]


def main(argv: list[str]) -> int:
    requirements = Path(argv[1]) if len(argv) > 1 else ROOT / "constraints.txt"
    required = os.environ.get("AUDIT_REQUIRED") == "1"

    def not_done(reason: str) -> int:
        print(f"NOTE: dependency audit not done here: {reason}", file=sys.stderr)
        return 1 if required else 0

    try:
        pip_audit = _pip_audit()
    except (subprocess.CalledProcessError, OSError) as exc:
        return not_done(f"could not install {PIP_AUDIT} ({exc}); no package registry?")
    reasons = []
    for service in SERVICES:
        report, reason = run(pip_audit, requirements, service)
        if report is None:
            reasons.append(reason)
            continue
        code, lines = verdict(report)
        if code == 2:
            example = report["dependencies"][0]["skip_reason"]
            reasons.append(f"{service} knows none of the pinned versions (e.g. {example!r})")
            continue
        print(f"Dependency audit ({service}):")
        print("\n".join(lines))
        return code
    return not_done("no vulnerability service answered for the pinned versions; " + "; ".join(reasons))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
