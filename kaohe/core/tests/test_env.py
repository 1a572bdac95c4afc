"""Settings read from KAOHE_* variables; bad values stop start-up naming the variable."""

from __future__ import annotations

import base64
import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kaohe.env import ConfigError, env_bool, env_int, env_networks, parse_database_url

ROOT = Path(__file__).resolve().parents[3]


def test_it_parses_sqlite_and_postgres_urls() -> None:
    assert parse_database_url("X", "sqlite:///db.sqlite3").name == "db.sqlite3"
    assert parse_database_url("X", "sqlite:////var/lib/kaohe.db").name == "/var/lib/kaohe.db"
    pg = parse_database_url("X", "postgres://kh:p%40ss@db.local:5433/kaohe?sslmode=require")
    assert (pg.engine, pg.user, pg.password, pg.host, pg.port, pg.name) == (
        "django.db.backends.postgresql",
        "kh",
        "p@ss",
        "db.local",
        "5433",
        "kaohe",
    )
    assert pg.as_django()["OPTIONS"] == {"sslmode": "require"}


@pytest.mark.parametrize(
    "raw", ["mysql://x/y", "postgres://host", "postgres://h:port/db", "sqlite://"]
)
def test_it_rejects_database_urls_it_cannot_use(raw: str) -> None:
    with pytest.raises(ConfigError, match="KAOHE_DATABASE_URL"):
        parse_database_url("KAOHE_DATABASE_URL", raw)


def test_it_rejects_bad_booleans_and_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAOHE_DEBUG", "maybe")
    with pytest.raises(ConfigError, match="KAOHE_DEBUG"):
        env_bool("KAOHE_DEBUG", True)
    monkeypatch.setenv("KAOHE_SESSION_SECONDS", "ten")
    with pytest.raises(ConfigError, match="KAOHE_SESSION_SECONDS"):
        env_int("KAOHE_SESSION_SECONDS", 1)
    monkeypatch.setenv("KAOHE_SESSION_SECONDS", "10")
    with pytest.raises(ConfigError, match="minimum"):
        env_int("KAOHE_SESSION_SECONDS", 1, minimum=300)


def test_trusted_proxies_are_addresses_or_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    assert env_networks("KAOHE_TRUSTED_PROXIES") == ()
    monkeypatch.setenv("KAOHE_TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16,::1")
    assert env_networks("KAOHE_TRUSTED_PROXIES") == (
        ipaddress.ip_network("10.0.0.5"),
        ipaddress.ip_network("10.1.0.0/16"),
        ipaddress.ip_network("::1"),
    )
    monkeypatch.setenv("KAOHE_TRUSTED_PROXIES", "nginx.local")
    with pytest.raises(ConfigError, match="KAOHE_TRUSTED_PROXIES"):
        env_networks("KAOHE_TRUSTED_PROXIES")


def _start(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for the whole run (it
    # is imported at collection); a production server has neither it nor KAOHE_*.
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KAOHE_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(  # noqa: S603 (our own manage.py, arguments from the tests)
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_start_up_refuses_a_ballot_key_that_is_not_32_bytes() -> None:
    result = _start(KAOHE_BALLOT_KEY="too-short")
    assert result.returncode != 0 and "KAOHE_BALLOT_KEY" in result.stderr
    good = base64.urlsafe_b64encode(b"k" * 32).decode()
    assert _start(KAOHE_BALLOT_KEY=good).returncode == 0


def test_start_up_refuses_production_without_a_secret_key() -> None:
    result = _start(KAOHE_DEBUG="0")
    assert result.returncode != 0 and "KAOHE_SECRET_KEY" in result.stderr


def test_start_up_stops_on_a_bad_value_naming_the_variable() -> None:
    result = _start(KAOHE_DATABASE_URL="oracle://nowhere/db")
    assert result.returncode != 0 and "KAOHE_DATABASE_URL" in result.stderr


def test_start_up_works_in_production_with_a_secret_key() -> None:
    result = _start(KAOHE_DEBUG="0", KAOHE_SECRET_KEY="x" * 50, KAOHE_ALLOWED_HOSTS="kaohe.gov")
    assert result.returncode == 0, result.stderr


PRODUCTION = {
    "KAOHE_DEBUG": "0",
    "KAOHE_SECRET_KEY": "k7Qx-9vLz_2mWcR8tYbN4pJhG6sDfA1eU3oK5iT0qZwXyVnB-hE8rM",
    "KAOHE_ALLOWED_HOSTS": "kaohe.example.gov.cn",
    "KAOHE_TRUSTED_PROXIES": "127.0.0.1",
}


def test_check_deploy_prints_no_warning_in_production() -> None:
    result = _start("--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout, result.stdout


def test_hsts_and_the_ssl_redirect_are_set_from_the_environment() -> None:
    result = _start("--deploy", **PRODUCTION, KAOHE_HSTS_SECONDS="0", KAOHE_SSL_REDIRECT="off")
    assert "security.W004" in result.stderr and "security.W008" in result.stderr, result.stderr
