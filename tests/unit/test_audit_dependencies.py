"""CI's dependency audit (.ci/audit_dependencies.py) decides from pip-audit's real output: a known
vulnerability fails CI with its id, a service out of reach is said plainly and CI goes on, and
anything else unexpected fails."""

from __future__ import annotations

import importlib.util
import json
import stat
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "audit_dependencies.py"
_spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
assert _spec and _spec.loader
audit = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)  # a script, not a package
_spec.loader.exec_module(audit)

# pip-audit 2.10.1's JSON (--format json --aliases on), as it printed it: a clean run ...
CLEAN = {
    "dependencies": [
        {"name": "flask", "version": "3.1.3", "vulns": []},
        {"name": "werkzeug", "version": "3.1.9", "vulns": []},
    ],
    "fixes": [],
}
# ... a pinned version with a known vulnerability (its exit status is then 1) ...
VULNERABLE = {
    "dependencies": [
        {
            "name": "jinja2",
            "version": "3.1.4",
            "vulns": [
                {
                    "id": "GHSA-q2x7-8rv6-6q7h",
                    "fix_versions": ["3.1.5"],
                    "aliases": ["CVE-2024-56326"],
                }
            ],
        },
        {"name": "flask", "version": "3.1.3", "vulns": []},
    ],
    "fixes": [],
}
# ... and an index that serves no vulnerability data (this project's machines): every package
# skipped, and pip-audit itself says "No known vulnerabilities found" and exits 0.
NONE_FOUND = {
    "dependencies": [
        {
            "name": name,
            "skip_reason": "Dependency not found on PyPI and could not be audited: "
            f"{name} ({version})",
        }
        for name, version in (("flask", "3.1.3"), ("werkzeug", "3.1.9"), ("pyotp", "2.12.1"))
    ],
    "fixes": [],
}
# The last lines of its standard error when the service is out of reach.
NO_DNS = (
    '  File ".../requests/adapters.py", line 729, in send\n'
    "    raise ConnectionError(e, request=request)\n"
    "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', port=443): "
    'Max retries exceeded with url: /v1/query (Caused by NameResolutionError("HTTPSConnection('
    "host='api.osv.dev', port=443): Failed to resolve 'api.osv.dev' ([Errno -2] Name or service "
    'not known)"))\n'
)
REFUSED = (
    "requests.exceptions.ProxyError: HTTPSConnectionPool(host='pypi.org', port=443): Max retries "
    "exceeded with url: /pypi/flask/3.1.3/json (Caused by ProxyError('Unable to connect to "
    "proxy', NewConnectionError(\"HTTPSConnection(host='127.0.0.1', port=9): Failed to establish "
    'a new connection: [Errno 111] Connection refused")))\n'
)
READ_TIMEOUT = (
    "requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='pypi.org', port=443): "
    "Read timed out. (read timeout=3)\n"
)
CONNECT_TIMEOUT = (
    "ERROR:pip_audit._cli:Could not connect to PyPI's vulnerability feed\n"
    "ERROR:pip_audit._cli:Tip: your network may be blocking this service. Try another service "
    "with `-s SERVICE`\n"
)
SKIPPED = "pip-audit could not reach its vulnerability service ("


def test_a_clean_report_passes():
    verdict = audit.judge(0, json.dumps(CLEAN), "")
    assert verdict.exit_code == 0
    assert verdict.lines == ["Dependency audit: no known vulnerabilities in 2 pinned packages."]


def test_a_known_vulnerability_fails_with_the_package_version_id_and_fix():
    verdict = audit.judge(1, json.dumps(VULNERABLE), "Found 1 known vulnerability in 1 package\n")
    assert verdict.exit_code == 1
    assert "  jinja2 3.1.4: GHSA-q2x7-8rv6-6q7h, CVE-2024-56326 (fixed in 3.1.5)" in verdict.lines
    assert not any("flask" in line for line in verdict.lines)


def test_an_index_without_vulnerability_data_is_said_plainly_and_ci_goes_on():
    verdict = audit.judge(0, json.dumps(NONE_FOUND), "No known vulnerabilities found\n")
    assert verdict.exit_code == 0
    assert verdict.lines == [
        f"{SKIPPED}it answered 'not found' for all 3 pinned packages): dependency audit skipped"
    ]


def test_a_package_missing_among_found_ones_fails():
    report = {"dependencies": CLEAN["dependencies"] + NONE_FOUND["dependencies"][:1]}
    verdict = audit.judge(0, json.dumps(report), "")
    assert verdict.exit_code == 1 and any(line.startswith("  flask: ") for line in verdict.lines)


@pytest.mark.parametrize(
    ("stderr", "reason"),
    [
        (NO_DNS, "Name or service not known"),
        (REFUSED, "Connection refused"),
        (READ_TIMEOUT, "Read timed out"),
        (CONNECT_TIMEOUT, "Could not connect to PyPI's vulnerability feed"),
    ],
    ids=["no DNS", "connection refused", "read timeout", "connect timeout"],
)
def test_a_service_out_of_reach_is_said_plainly_and_ci_goes_on(stderr, reason):
    verdict = audit.judge(1, "", stderr)
    assert verdict.exit_code == 0
    (line,) = verdict.lines
    assert line.startswith(SKIPPED) and reason in line
    assert line.endswith("): dependency audit skipped")


@pytest.mark.parametrize(
    ("returncode", "stdout", "stderr"),
    [
        (1, "", "ERROR:pip_audit._cli:invalid requirements input: requirements.txt\n"),
        (2, "", "pip-audit: error: unrecognized arguments: --bogus\n"),
        (0, "not a report", ""),
        (1, json.dumps(CLEAN), "Traceback (most recent call last):\nKeyError: 'info'\n"),
    ],
    ids=["bad requirements", "bad arguments", "no report", "a crash after a report"],
)
def test_anything_else_unexpected_fails(returncode, stdout, stderr):
    verdict = audit.judge(returncode, stdout, stderr)
    assert verdict.exit_code != 0
    assert not any(line.startswith(SKIPPED) for line in verdict.lines)


def fake_pip_audit(folder: Path, body: str) -> str:
    """An executable that stands in for pip-audit: a Python script with this body."""
    path = folder / "pip-audit"
    path.write_text(f"#!{sys.executable}\nimport sys, json, time\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_the_script_runs_pip_audit_on_both_pinned_files_and_prints_its_verdict(tmp_path, capsys):
    pip_audit = fake_pip_audit(
        tmp_path,
        f"json.dump(sys.argv[1:], open({str(tmp_path / 'arguments')!r}, 'w'))\n"
        f"print({json.dumps(VULNERABLE)!r}); sys.exit(1)",
    )
    assert audit.main(pip_audit) == 1
    assert "GHSA-q2x7-8rv6-6q7h" in capsys.readouterr().out
    arguments = json.loads((tmp_path / "arguments").read_text())
    assert {"--no-deps", "--disable-pip"} <= set(arguments)
    assert arguments[arguments.index("--format") + 1] == "json"
    requirements = [arguments[i + 1] for i, a in enumerate(arguments) if a == "--requirement"]
    assert [Path(r).name for r in requirements] == ["requirements.txt", "requirements-dev.txt"]
    assert all(Path(r).is_file() for r in requirements)


def test_a_pip_audit_that_never_answers_is_said_plainly(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(audit, "TIMEOUT_SECONDS", 1)
    assert audit.main(fake_pip_audit(tmp_path, "time.sleep(30)")) == 0
    assert capsys.readouterr().out == (
        f"{SKIPPED}no answer in 1 seconds): dependency audit skipped\n"
    )
