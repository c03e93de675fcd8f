"""Shared plumbing of the load, durability and benchmark scripts (not collected by pytest).

- `PostgresCluster`: a throwaway PostgreSQL cluster on 127.0.0.1 (initdb as the postgres
  user, fsync=off, a free port), stopped and deleted at the end.
- `Gunicorn`: a gunicorn master in its own process group on 127.0.0.1, started, killed
  with SIGKILL (the whole group) and restarted on the same port, stopped.
- `Browser`: one patient's or clinician's browser: its own cookie jar, no automatic
  redirects, timings and status counts recorded, hidden form fields read from pages.
- `Patient`: a whole questionnaire through the real forms, resumable after a failure.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import http.client
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from intake.questionnaire import QUESTIONS, STEPS, Kind, applicable_answers  # noqa: E402
from tests.factories import answers as complete_answers  # noqa: E402
from tests.factories import formdata  # noqa: E402

SECRET_KEY = "load-test-secret-key-fixed-for-the-run-0123456789abcdef"
# The key ring (INTAKE_DATA_KEYS, intake.keys) of every server and in-process app of a run:
# servers on one database must share it, or one cannot open what another sealed.
DATA_KEYS = "bG9hZC10ZXN0LWRhdGEta2V5LWZpeGVkLWZvci1ydW4"
HIDDEN_FIELD = re.compile(r'<input type="hidden" name="(csrf_token|checked)" value="([^"]*)"')
REFERENCE = re.compile(r"Your reference is <strong[^>]*>([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})<")


def log(message: str) -> None:
    print(message, flush=True)


def exit_cleanly_on_sigterm() -> None:
    """SIGTERM (a CI timeout, say) unwinds like Ctrl-C: servers and clusters are stopped."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation); nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# PostgreSQL ----------------------------------------------------------------


class PostgresCluster:
    """A throwaway cluster: `with PostgresCluster() as pg: pg.url`."""

    def __init__(self, database: str = "intake"):
        self.database = database
        self.dir: Path | None = None
        self.port: int | None = None
        self.started = False
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
        self.bin = Path(os.environ.get("PGBIN") or (bins[-1] if bins else ""))
        if not (self.bin / "initdb").exists():
            raise RuntimeError("PostgreSQL server binaries not found (set PGBIN)")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{self.database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        # initdb refuses root: run the server tools as the postgres user, from / (readable).
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *args], cwd="/", check=check, capture_output=True, text=True, timeout=120
        )

    def start(self) -> PostgresCluster:
        self.dir = Path(tempfile.mkdtemp(prefix="intake-load-pg."))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        data = str(self.dir / "data")
        self._run(
            str(self.bin / "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        for attempt in range(3):  # the free port may be taken between probe and bind
            self.port = free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} "
                "-c fsync=off -c max_connections=200"
            )
            result = self._run(
                str(self.bin / "pg_ctl"), "-D", data, "-l", str(self.dir / "pg.log"),
                "-w", "-t", "60", "-o", options, "start", check=False,
            )  # fmt: skip
            if result.returncode == 0:
                break
            if attempt == 2:
                raise RuntimeError(f"pg_ctl start failed: {result.stderr}\n{self.log_tail()}")
        self.started = True
        self._run(
            str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
            "-U", "postgres", self.database,
        )  # fmt: skip
        return self

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join((self.dir / "pg.log").read_text().splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.dir is None:
            return
        if self.started or (self.dir / "data" / "postmaster.pid").exists():
            data = str(self.dir / "data")
            stopped = self._run(
                str(self.bin / "pg_ctl"), "-D", data, "-m", "fast", "-w", "-t", "30", "stop",
                check=False,
            )  # fmt: skip
            if stopped.returncode != 0:
                self._run(
                    str(self.bin / "pg_ctl"), "-D", data, "-m", "immediate", "stop", check=False
                )
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def __enter__(self) -> PostgresCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


# Every simulated patient and clinician comes from 127.0.0.1: SPEC's limits per client address
# (30 new drafts, 10 sign-ins, 10 dates of birth a minute) would refuse the load itself, so the servers these
# scripts start are given limits out of its way. tests/http/test_rate_limits.py tests the limits.
ONE_ADDRESS_FOR_EVERYONE = {
    "INTAKE_RATE_LIMIT_NEW_DRAFTS": "1000000",
    "INTAKE_RATE_LIMIT_SIGN_IN": "1000000",
    "INTAKE_RATE_LIMIT_IDENTITY_CHECKS": "1000000",
}


def app_environment(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "INTAKE_DATABASE_URL": database_url,
        "INTAKE_SECRET_KEY": SECRET_KEY,
        "INTAKE_DATA_KEYS": DATA_KEYS,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    env.pop("FLASK_APP", None)
    env.pop("INTAKE_SECURE_COOKIES", None)  # plain HTTP on loopback: cookies must come back
    return env


def migrate(database_url: str) -> None:
    """`flask --app app db upgrade`: the release step of a PostgreSQL deployment."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=app_environment(database_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask db upgrade failed:\n{result.stdout}{result.stderr}")


@contextlib.contextmanager
def database(kind: str):
    """Yields a database URL: a temporary SQLite file, or a throwaway PostgreSQL cluster, migrated."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="intake-load-sqlite."))
        try:
            yield f"sqlite:///{folder / 'intake.sqlite3'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    elif kind == "postgresql":
        with PostgresCluster() as cluster:
            migrate(cluster.url)
            yield cluster.url
    else:
        raise ValueError(kind)


def product_app(database_url: str):
    """The product app in this process, on the same database, for direct checks and setup."""
    from intake.app import create_app

    return create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY, "DATA_KEYS": DATA_KEYS}
    )


def close_app(app) -> None:
    from intake.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# gunicorn ------------------------------------------------------------------


class Gunicorn:
    """A gunicorn master in its own process group, on 127.0.0.1."""

    def __init__(
        self,
        env: dict[str, str],
        workers: int = 4,
        app_spec: str = "app:create_app()",
        log_path: Path | None = None,
        extra_args: tuple[str, ...] = (),
        ready_path: str = "/",
    ):
        self.env = env
        self.workers = workers
        self.app_spec = app_spec
        # Without a log path, a temporary log, deleted at stop() (its tail is in any start error).
        self.own_log = log_path is None
        self.log_path = log_path or Path(
            tempfile.mkstemp(prefix="intake-gunicorn.", suffix=".log")[1]
        )
        self.extra_args = extra_args
        self.ready_path = ready_path
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Gunicorn:
        """Start (or restart, on the same port) and wait until every worker has booted."""
        command = [
            sys.executable, "-m", "gunicorn",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--no-control-socket",
            "--timeout", "60",
            "--graceful-timeout", "10",
            "--config", "python:intake.server",  # the settings we ship (garbage collection)
            *self.extra_args,
            self.app_spec,
        ]  # fmt: skip
        with open(self.log_path, "a") as out:
            out.write(f"\n==== start {self.starts + 1}: {' '.join(command)}\n")
            out.flush()
            self.proc = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: SIGKILL reaches every worker
            )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}):\n{self.log_tail()}")
            if len(self.worker_pids()) >= self.workers and self._answers():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not become ready in {timeout:.0f} s:\n{self.log_tail()}")

    def _answers(self) -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            connection.request("GET", self.ready_path)
            status = connection.getresponse().status
            connection.close()
            return status < 500
        except OSError:
            return False

    def cpu_seconds(self) -> float:
        """CPU time of the master and its live workers (killed ones are not counted)."""
        if self.proc is None:
            return 0.0
        return sum(cpu_seconds(pid) for pid in [self.proc.pid, *self.worker_pids()])

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in children.split()]

    def group_alive(self) -> bool:
        """Whether a process of the group still runs (zombies, awaiting their reaper, do not)."""
        if self.proc is None:
            return False
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.proc.pid and fields[0] != "Z":  # pgrp, state
                return True
        return False

    def kill9(self) -> None:
        """SIGKILL to the master and every worker at once (the process group)."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._reap_group()

    def stop(self) -> None:
        """Graceful stop (SIGTERM to the master); SIGKILL to the group if it lingers."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._reap_group()
        self.proc = None
        if self.own_log:
            self.log_path.unlink(missing_ok=True)

    def _reap_group(self) -> None:
        """Workers orphaned by a killed master die with the group; wait until none is left."""
        deadline = time.monotonic() + 10
        while self.group_alive() and time.monotonic() < deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            time.sleep(0.05)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def log_lines(self, pattern: str) -> list[str]:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if re.search(pattern, line)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM (the peak resident set size) of a live process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# HTTP client -----------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPErrorProcessor):
    """Every response is handed back as it is: redirects and errors are the caller's to see."""

    def http_response(self, request, response):
        return response

    https_response = http_response


class Stats:
    """Latencies per label and status counts, shared by every browser of a run (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[int, int] = defaultdict(int)
        self.errors: dict[str, int] = defaultdict(int)
        self.server_errors: list[str] = []

    def record(self, label: str, ms: float, status: int, path: str) -> None:
        with self.lock:
            self.times[label].append(ms)
            self.statuses[status] += 1
            if status >= 500:
                self.server_errors.append(f"{status} {path}")

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1

    @property
    def count_5xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


@dataclass
class Response:
    status: int
    location: str
    body: str
    ms: float

    def hidden_fields(self) -> dict[str, str]:
        return dict(HIDDEN_FIELD.findall(self.body))


class UnexpectedResponse(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


# Network failures a browser sees while a server is down or killed mid-request.
NETWORK_ERRORS = (
    ConnectionError,  # refused, reset, aborted, broken pipe
    http.client.RemoteDisconnected,
    http.client.IncompleteRead,
    http.client.BadStatusLine,
    TimeoutError,
    urllib.error.URLError,
)


class Browser:
    """One browser: its own cookie jar (cookies are per host, not per port, as in a browser)."""

    def __init__(self, base_url: str, stats: Stats | None = None, timeout: float = 30):
        self.base_url = base_url
        self.stats = stats or Stats()
        self.timeout = timeout
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),  # loopback only, whatever *_proxy says
            urllib.request.HTTPCookieProcessor(self.jar),
            _NoRedirects(),
        )

    def request(
        self,
        method: str,
        path: str,
        data: dict | None = None,
        label: str | None = None,
        base_url: str | None = None,
    ) -> Response:
        url = (base_url or self.base_url) + path
        body = urllib.parse.urlencode(data or {}, doseq=True).encode() if method == "POST" else None
        request = urllib.request.Request(url, data=body, method=method)
        start = time.perf_counter()
        with self.opener.open(request, timeout=self.timeout) as response:
            content = response.read()
            status = response.status
            location = response.headers.get("Location", "")
        ms = (time.perf_counter() - start) * 1000
        self.stats.record(label or f"{method} {path}", ms, status, f"{method} {path}")
        return Response(status, location, content.decode("utf-8", "replace"), ms)

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> Response:
        return self.request("POST", path, data, **kwargs)


def expect(response: Response, status: int, what: str, location: str | None = None) -> Response:
    if response.status != status or (location is not None and location not in response.location):
        raise UnexpectedResponse(
            f"{what}: expected {status}{' to ' + location if location else ''}, got "
            f"{response.status} {response.location} {response.body[:300]!r}",
            response.status,
        )
    return response


# A patient -------------------------------------------------------------------


def patient_answers(number: int, round_: int = 0) -> dict:
    """A complete answer set unique to this patient (the name), varied over the conditionals."""
    name = f"Load Patient {number:04d}-{round_} Zoë"
    variant = number % 3
    if variant == 1:  # isotretinoin before: its conditional questions, and per-treatment ones
        extra = {
            "treatments_now": ["prescription_topical"],
            "treatments_before": ["isotretinoin"],
            "response_prescription_topical": "too_soon",
            "response_isotretinoin": "helped_somewhat",
            "isotretinoin_stopped": "over_12_months",
            "isotretinoin_relapse": "yes",
        }
    elif variant == 2:  # no treatments: the conditionals drop out; a female patient
        extra = {
            "treatments_now": ["none"],
            "response_pharmacy": None,
            "severity": "severe",
            "sex": "female",
            "hormonal_features": ["none"],
        }
    else:
        extra = {}
    return in_questionnaire_order(complete_answers(full_name=name, **extra))


def in_questionnaire_order(answers: dict) -> dict:
    """Checkbox answers listed in the questionnaire's option order, as the app stores them."""
    ordered = {}
    for question_id, value in applicable_answers(answers).items():
        question = QUESTIONS[question_id]
        if question.kind is Kind.ANY_OF:
            position = {option.id: i for i, option in enumerate(question.options)}
            value = sorted(value, key=position.__getitem__)
        ordered[question_id] = value
    return ordered


@dataclass
class Patient:
    """One simulated patient: the whole questionnaire, step by step, like a browser.

    Each phase is idempotent, so after a network failure (a killed server) the same
    phase is simply tried again: a step saved twice is saved once, Start resumes the
    draft, and Submit after a lost answer finds the submission already stored.
    """

    browser: Browser
    answers: dict
    deadline: float
    retry: bool = False
    reference: str | None = None
    retries: int = 0
    in_submit: bool = False
    log: list[str] = field(default_factory=list)

    def run(self) -> str:
        self._phase(self._start)
        for step in STEPS:
            self._phase(lambda step=step: self._step(step))
        self._phase(self._submit)
        self.reference = self._phase(self._confirmation)
        return self.reference

    def _phase(self, action):
        delay = 0.05
        while True:
            if time.monotonic() > self.deadline:
                raise TimeoutError("run deadline passed")
            try:
                return action()
            except NETWORK_ERRORS as error:
                self.browser.stats.error(type(error).__name__)
                self.log.append(f"{type(error).__name__}: {error}")
                if not self.retry:
                    raise
            except UnexpectedResponse as error:
                if not (self.retry and error.status >= 500):
                    raise
                self.log.append(str(error)[:200])
            self.retries += 1
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def _start(self) -> None:
        page = expect(self.browser.get("/", label="GET /"), 200, "start page")
        response = self.browser.post(
            "/start", {"csrf_token": page.hidden_fields()["csrf_token"]}, label="POST /start"
        )
        expect(response, 302, "Start now", "/questions/")

    def _step(self, step) -> None:
        path = f"/questions/{step.slug}"
        page = expect(self.browser.get(path, label=f"GET {step.slug}"), 200, f"GET {path}")
        data = {"csrf_token": page.hidden_fields()["csrf_token"], **formdata(step, self.answers)}
        response = self.browser.post(path, data, label=f"POST {step.slug}")
        expect(response, 302, f"POST {path}")

    def _submit(self) -> None:
        page = self.browser.get("/check-answers", label="GET check-answers")
        if page.status == 302 and page.location.endswith("/confirmation"):
            return  # stored already: the answer to an earlier Submit was lost
        expect(page, 200, "GET /check-answers")
        data = {**page.hidden_fields(), "confirmed": "y"}
        self.in_submit = True
        try:
            response = self.browser.post("/check-answers", data, label="submit")
        finally:
            self.in_submit = False
        expect(response, 302, "Submit", "/confirmation")

    def _confirmation(self) -> str:
        page = expect(
            self.browser.get("/confirmation", label="GET confirmation"), 200, "confirmation"
        )
        found = REFERENCE.search(page.body)
        if not found:
            raise UnexpectedResponse(
                f"no reference on the confirmation page: {page.body[:300]!r}", 200
            )
        return found.group(1)
