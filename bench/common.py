"""What the bench scripts share: throwaway PostgreSQL databases, the environment of
their worker processes, Django's set-up, loading a table without its indexes, and the
HTTP client of the benches that load gunicorn.

The scripts run as `python bench/<name>.py`, which puts bench/ first on sys.path, so
they import this module as `common`.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db import models
    from django.db.backends.utils import CursorWrapper

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
PG_URL = "postgres://postgres@127.0.0.1:5432/{name}"
DB_PREFIX = "kaohe_bench_"
# Production-like settings: above all no debug query log, which would hold every query.
BASE_ENV = {
    "KAOHE_DEBUG": "0",
    "KAOHE_SECRET_KEY": "x" * 50,
    "KAOHE_ALLOWED_HOSTS": HOST,
    "KAOHE_SECURE_COOKIES": "0",
    # Plain local HTTP: with debug off kaohe would otherwise redirect every request to
    # HTTPS and pin the browser to it.
    "KAOHE_SSL_REDIRECT": "0",
    "KAOHE_HSTS_SECONDS": "0",
    "KAOHE_LOG_LEVEL": "ERROR",
}


# --- Orchestration (no Django in this process) -----------------------------------

PSQL = ("psql", "-h", HOST, "-U", "postgres", "-d", "postgres", "-q", "-v", "ON_ERROR_STOP=1")


# The subprocess calls below run fixed programs with arguments built here, never input.
def psql(sql: str) -> None:
    env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    subprocess.run([*PSQL, "-c", sql], check=True, stdout=subprocess.DEVNULL, env=env)  # noqa: S603


def create_database(name: str, template: str | None = None) -> None:
    """An empty database, or a copy of the bench database `template` (which nobody
    may be connected to)."""
    if not name.startswith(DB_PREFIX):
        raise ValueError(f"refusing to create {name!r}: bench databases start with {DB_PREFIX}")
    if template is not None and not template.startswith(DB_PREFIX):
        raise ValueError(f"refusing to copy {template!r}: bench databases start with {DB_PREFIX}")
    psql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def drop_database(name: str) -> None:
    if not name.startswith(DB_PREFIX):
        raise ValueError(f"refusing to drop {name!r}: bench databases start with {DB_PREFIX}")
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_exists(name: str) -> bool:
    """Whether the PostgreSQL server holds a bench database of that name."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"not a bench database name: {name!r}")
    query = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"  # noqa: S608
    found = subprocess.run(  # noqa: S603
        [*PSQL, "-tA", "-c", query], check=True, capture_output=True, text=True
    )
    return found.stdout.strip() == "1"


RESULT = "RESULT "


def worker_figures(script: str, db: str, args: list[str]) -> dict[str, Any]:
    """Run `script --worker db *args` on database `db` in a process of its own (so the
    caller's Django is not touched); print what it prints and return the figures of
    its RESULT line."""
    command = [sys.executable, str(Path(script).resolve()), "--worker", db, *args]
    done = subprocess.run(  # noqa: S603
        command,
        env=worker_env(PG_URL.format(name=db)),
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    figures: dict[str, Any] = {}
    for line in done.stdout.splitlines():
        if line.startswith(RESULT):
            figures = json.loads(line[len(RESULT) :])
        else:
            print(line)
    return figures


def kept_or_throwaway(
    db: str | None, throwaway: str, work: Callable[[str], dict[str, Any]]
) -> dict[str, Any]:
    """`work` on database `db`, made if missing and kept (a later run reuses what it
    built), or on a throwaway database `throwaway`, dropped at the end."""
    if db:
        if not db.startswith(DB_PREFIX):
            raise ValueError(f"bench databases start with {DB_PREFIX}")
        if not database_exists(db):
            create_database(db)
        figures = work(db)
        print(f"  kept database {db} (dropdb -h 127.0.0.1 -U postgres {db})")
        return figures
    create_database(throwaway)
    try:
        return work(throwaway)
    finally:
        drop_database(throwaway)


def worker_env(
    database_url: str, settings: str = "kaohe.settings", extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a worker process: BASE_ENV (and `extra`) on its database,
    with a cache folder of that database's own, emptied first (unless `extra` names
    one). The cached per-region facts are keyed by region id, and ids repeat across
    the benches' databases: a shared folder served one run another's facts."""
    extra = dict(extra or {})
    if "KAOHE_CACHE_DIR" not in extra:
        digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
        cache = Path(tempfile.gettempdir()) / f"kaohe-bench-cache-{digest}"
        shutil.rmtree(cache, ignore_errors=True)
        extra["KAOHE_CACHE_DIR"] = str(cache)
    return {
        **os.environ,
        **BASE_ENV,
        **extra,
        "KAOHE_DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": settings,
        "PYTHONPATH": str(ROOT),
    }


def collect_static(static_root: Path) -> float:
    """collectstatic into `static_root`; returns the seconds it took. With debug off
    (production-like, as the HTTP benches run) pages name their static files through
    collectstatic's manifest and fail without it, so a server the bench starts gets
    KAOHE_STATIC_ROOT pointing here. A temporary folder keeps the checkout untouched."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kaohe-bench-") as tmp:
        env = worker_env(
            f"sqlite:///{tmp}/unused.sqlite3", extra={"KAOHE_STATIC_ROOT": str(static_root)}
        )
        command = [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"]
        subprocess.run(command, env=env, cwd=ROOT, check=True)  # noqa: S603
    return time.perf_counter() - started


# --- In the process that measures ----------------------------------------------------


def production_defaults() -> None:
    """BASE_ENV's production settings (debug off: no query log, no template debugging)
    unless the environment says otherwise, for a bench that measures in its own process
    through Django's test client. The allowed hosts stay as the settings have them:
    the test client calls itself "testserver"."""
    for name, value in BASE_ENV.items():
        if name != "KAOHE_ALLOWED_HOSTS":
            os.environ.setdefault(name, value)


def setup_django(*, sqlite_by_default: bool = False) -> None:
    """Set Django up in this process. Workers are handed their database and settings;
    a script run on its own (`sqlite_by_default`) uses KAOHE_DATABASE_URL if set, else
    a temporary SQLite file."""
    import django

    if sqlite_by_default:
        if "KAOHE_DATABASE_URL" not in os.environ:
            tmp = tempfile.mkdtemp(prefix="kaohe-bench-")
            os.environ["KAOHE_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaohe.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()


def migrate() -> float:
    """Migrate the empty database; returns the seconds it took."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    return time.perf_counter() - started


def strip_table(cursor: CursorWrapper, model: type[models.Model]) -> Callable[[], None]:
    """Drop the model's table's secondary indexes and unique constraints and switch off its
    triggers (foreign-key checks among them); returns the function that puts them all
    back. PostgreSQL; on SQLite the indexes and triggers (a table's unique constraints
    are part of its definition there and stay).

    Loading millions of rows into a bare table and indexing afterwards is several times
    faster than maintaining every index and queueing deferred foreign-key checks per
    row. The rows are consistent by construction, and the unique constraints are
    checked again when they are re-created. Everything is back in place before
    anything is timed, so what is measured pays the full price.
    """
    from kaohe.core import sql

    name, table = model._meta.db_table, sql.table(model)
    if not sql.is_postgres(cursor.db):
        return _strip_sqlite_table(cursor, name)
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'u'",
        [name],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        [name],
    )
    indexes = cursor.fetchall()
    for constraint, _definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
    for index, _definition in indexes:
        cursor.execute(f'DROP INDEX "{index}"')
    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")

    def rebuild() -> None:
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
        for constraint, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {definition}')
        for _name, definition in indexes:
            cursor.execute(definition)

    return rebuild


def _strip_sqlite_table(cursor: CursorWrapper, table: str) -> Callable[[], None]:
    # sqlite_master keeps each index's and trigger's CREATE statement; the automatic
    # indexes of UNIQUE constraints have none and cannot be dropped.
    cursor.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s "
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL",
        [table],
    )
    objects = cursor.fetchall()
    for kind, name, _definition in objects:
        cursor.execute(f'DROP {kind.upper()} "{name}"')

    def rebuild() -> None:
        for _kind, _name, definition in objects:
            cursor.execute(definition)

    return rebuild


# --- The HTTP client of the benches that load gunicorn -----------------------------


def load_average() -> str:
    """The machine's load: other processes on a shared machine move every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def p95(latencies: Sequence[float]) -> float:
    if not latencies:
        return float("nan")
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


@dataclass
class Session:
    """One browser (logged in as `username`, or a resident's): its cookies, kept by
    hand (http.client has no jar)."""

    username: str = ""
    cookies: dict[str, str] = field(default_factory=dict)

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def absorb(self, response: http.client.HTTPResponse) -> None:
        for raw in response.msg.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(raw)
            for key, morsel in jar.items():
                self.cookies[key] = morsel.value


@dataclass
class Outcome:
    status: int
    seconds: float
    body: bytes = b""


def request(
    port: int,
    session: Session,
    method: str,
    path: str,
    form: Mapping[str, Any] | None = None,
) -> Outcome:
    """One request on a fresh connection: gunicorn's sync workers close each one."""
    headers = {"Host": f"{HOST}:{port}", "Cookie": session.cookie_header()}
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form, doseq=True).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Referer"] = f"http://{HOST}:{port}{path}"
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        session.absorb(response)
        return Outcome(response.status, time.perf_counter() - started, content)
    finally:
        connection.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_up(
    port: int, process: subprocess.Popen[bytes], path: str = "/login/", limit: float = 60
) -> None:
    """Until `path` answers 200; a server that exits first is an error."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            if request(port, Session(), "GET", path).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within a minute")
