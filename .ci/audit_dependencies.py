"""CI's dependency audit: pip-audit against the pinned requirements.

A known vulnerability fails CI, naming each package, its version, the vulnerability's ids and
the versions that fix it. When pip-audit cannot reach its vulnerability service (no network, a
timeout, or an index that serves no vulnerability data and so finds none of our packages), this
is said plainly and CI goes on. Anything else unexpected fails.

Usage: python3 .ci/audit_dependencies.py PATH/TO/pip-audit
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")
TIMEOUT_SECONDS = 300
# How pip-audit (and requests, under it) say the service could not be reached.
UNREACHABLE = (
    "Could not connect to PyPI's vulnerability feed",
    "PyPI is not redirecting properly",
    "requests.exceptions.ConnectionError",
    "requests.exceptions.ProxyError",
    "requests.exceptions.ConnectTimeout",
    "requests.exceptions.ReadTimeout",
)
NOT_FOUND = "Dependency not found on PyPI and could not be audited"


@dataclass(frozen=True)
class Verdict:
    exit_code: int
    lines: list[str]


def command(pip_audit: str) -> list[str]:
    """pip-audit on the fully pinned files as they are: no resolving, no pip, JSON out."""
    arguments = [pip_audit, "--no-deps", "--disable-pip", "--format", "json", "--aliases", "on"]
    arguments += ["--progress-spinner", "off", "--timeout", "30"]
    for name in REQUIREMENTS:
        arguments += ["--requirement", str(ROOT / name)]
    return arguments


def judge(returncode: int, stdout: str, stderr: str) -> Verdict:
    """What CI does with one run of pip-audit."""
    report = _report(stdout)
    if report is None:
        return _without_report(returncode, stderr)
    dependencies = report["dependencies"]
    vulnerable = [dependency for dependency in dependencies if dependency.get("vulns")]
    skipped = [dependency for dependency in dependencies if "skip_reason" in dependency]
    if vulnerable:
        return Verdict(
            1,
            [
                "Dependency audit: known vulnerabilities in the pinned requirements:",
                *(_vulnerability(d, v) for d in vulnerable for v in d["vulns"]),
                "Upgrade these pins (requirements.txt, requirements-dev.txt).",
            ],
        )
    found_none = all(NOT_FOUND in dependency["skip_reason"] for dependency in skipped)
    if skipped and len(skipped) == len(dependencies) and found_none:
        return unreachable(f"it answered 'not found' for all {len(skipped)} pinned packages")
    if skipped:
        reasons = (f"  {d['name']}: {d['skip_reason']}" for d in skipped)
        return Verdict(1, ["Dependency audit: pip-audit could not audit these:", *reasons])
    if returncode != 0:
        return Verdict(1, [f"Dependency audit: pip-audit failed (exit {returncode}):", stderr])
    return Verdict(
        0, [f"Dependency audit: no known vulnerabilities in {len(dependencies)} pinned packages."]
    )


def unreachable(reason: str) -> Verdict:
    return Verdict(
        0,
        [
            f"pip-audit could not reach its vulnerability service ({reason}): dependency audit skipped"
        ],
    )


def _report(stdout: str) -> dict | None:
    try:
        report = json.loads(stdout)
    except ValueError:
        return None
    return report if isinstance(report, dict) and "dependencies" in report else None


def _vulnerability(dependency: dict, vulnerability: dict) -> str:
    ids = ", ".join([vulnerability["id"], *vulnerability.get("aliases", [])])
    fixed_in = ", ".join(vulnerability["fix_versions"]) or "no release yet"
    return f"  {dependency['name']} {dependency['version']}: {ids} (fixed in {fixed_in})"


def _without_report(returncode: int, stderr: str) -> Verdict:
    """No report: the service out of reach is said plainly; any other failure fails CI."""
    lines = stderr.strip().splitlines()
    signs = [line.strip() for line in lines if any(sign in line for sign in UNREACHABLE)]
    if signs:
        return unreachable(signs[0])
    return Verdict(
        returncode or 1, [f"Dependency audit: pip-audit failed (exit {returncode}):", *lines[-20:]]
    )


def main(pip_audit: str) -> int:
    try:
        run = subprocess.run(
            command(pip_audit), capture_output=True, text=True, timeout=TIMEOUT_SECONDS, cwd=ROOT
        )
        verdict = judge(run.returncode, run.stdout, run.stderr)
    except subprocess.TimeoutExpired:
        verdict = unreachable(f"no answer in {TIMEOUT_SECONDS} seconds")
    print("\n".join(verdict.lines))
    return verdict.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "pip-audit"))
