"""Every module of the project imports on its own, whatever was imported before it, and the
domain modules load without Flask: a circular import cannot hide behind an entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ("intake.questionnaire", "intake.assessment", "intake.content")
# Third-party libraries the project's modules use, loaded once before the modules are tried:
# each module is then imported in a child process that holds none of the project's modules.
LIBRARIES = (
    "alembic.command", "argon2", "babel", "flask", "flask_babel", "flask_login",
    "flask_migrate", "flask_sqlalchemy", "flask_wtf", "itsdangerous", "reportlab.platypus",
    "sqlalchemy", "werkzeug", "wtforms", "yaml",
)  # fmt: skip


def project_modules() -> list[str]:
    """Every importable module of app.py, intake/ and forms/ (Alembic's scripts aside)."""
    modules = ["app"]
    for package in ("intake", "forms"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue  # run by Alembic inside a migration, not imported
            modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


# Runs in a fresh interpreter: loads the libraries, then forks once per module, so that each
# child imports its module with no module of the project loaded before it. The children run
# side by side.
ISOLATED_IMPORTS = """
import importlib, json, os, sys, traceback
for library in {libraries!r}:
    importlib.import_module(library)
ours = [m for m in sys.modules if m == "app" or m.split(".")[0] in ("intake", "forms")]
assert not ours, ours
children = []
for module in {modules!r}:
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read)
        try:
            importlib.import_module(module)
            code = 0
        except BaseException:
            os.write(write, traceback.format_exc().encode())
            code = 1
        os._exit(code)
    os.close(write)
    children.append((module, child, read))
failures = {{}}
for module, child, read in children:  # they run side by side; tracebacks fit in a pipe
    with os.fdopen(read, "rb") as pipe:
        message = pipe.read().decode()
    _, status = os.waitpid(child, 0)
    if status != 0:
        failures[module] = message or f"exit status {{status}}"
print(json.dumps(failures))
"""


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_the_module_list_covers_the_factory_forms_and_blueprints():
    modules = project_modules()
    for expected in ("app", "intake.app", "forms.questionnaire", "forms.validators",
                     "intake.wizard.views", "intake.clinic.views", "intake.pdf.summary"):  # fmt: skip
        assert expected in modules
    assert not any("migrations" in module for module in modules)


def test_every_module_imports_on_its_own():
    code = ISOLATED_IMPORTS.format(libraries=LIBRARIES, modules=project_modules())
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    failures = json.loads(result.stdout.strip().splitlines()[-1])
    assert failures == {}, "\n".join(f"{m}:\n{trace}" for m, trace in failures.items())


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_modules_load_without_flask(module):
    code = (
        f"import json, sys, {module}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    assert module.split(".")[0] in loaded
    for framework in ("flask", "werkzeug", "wtforms", "flask_wtf", "sqlalchemy", "jinja2"):
        assert framework not in loaded, f"{module} loads {framework}"
