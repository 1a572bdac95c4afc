"""Typed readers for KAOHE_* environment variables.

Each reader rejects a bad value with an error that names the variable, so a
misconfigured server stops at start-up instead of misbehaving later.
"""

from __future__ import annotations

import base64
import ipaddress
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse


class ConfigError(Exception):
    """A KAOHE_* variable holds a value we cannot use."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name}={value} is below the minimum {minimum}")
    return value


def env_key32(name: str) -> bytes:
    """32 bytes in URL-safe base64, or empty when the variable is unset or empty."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return b""
    try:
        key = base64.urlsafe_b64decode(raw.encode() + b"==")
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ConfigError(
            f"{name} must be 32 bytes in URL-safe base64; make one with: python -c "
            "'import secrets,base64; print(base64.urlsafe_b64encode(secrets.token_bytes(32))"
            ".decode())'"
        )
    return key


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def env_networks(name: str) -> tuple[IPNetwork, ...]:
    """Comma-separated addresses or networks (10.0.0.5, 10.0.0.0/24, ::1)."""
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(
                f"{name}: {item!r} is not an IP address or network; write e.g. "
                "10.0.0.5 or 10.0.0.0/24, separated by commas"
            ) from None
    return tuple(networks)


@dataclass(frozen=True)
class DatabaseUrl:
    engine: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""
    options: dict[str, str] | None = None

    def as_django(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "ENGINE": self.engine,
            "NAME": self.name,
            "USER": self.user,
            "PASSWORD": self.password,
            "HOST": self.host,
            "PORT": self.port,
            "OPTIONS": dict(self.options or {}),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
        if self.engine == "django.db.backends.sqlite3":
            # WAL lets readers proceed while a writer commits; IMMEDIATE avoids
            # "database is locked" upgrades under concurrent writes.
            config["CONN_MAX_AGE"] = 0
            config["OPTIONS"].setdefault(
                "init_command",
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            )
            config["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
            # Tests use a file too: the in-memory shared cache locks whole tables
            # and would not behave like the WAL file production runs on. One file
            # per run, so concurrent runs in one checkout do not collide.
            config["TEST"] = {"NAME": f"{self.name}.test-{os.getpid()}"}
        return config


def parse_database_url(name: str, raw: str) -> DatabaseUrl:
    """Parse sqlite:///path or postgres://user:pass@host:port/db?opt=v."""
    parsed = urlparse(raw)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if path.startswith("/") and parsed.netloc == "":
            # sqlite:///relative.db has path "/relative.db"; sqlite:////abs.db has "//abs.db".
            path = path[1:]
        if not path:
            raise ConfigError(
                f"{name}={raw!r}: a SQLite URL needs a file path, e.g. sqlite:///db.sqlite3"
            )
        return DatabaseUrl(engine="django.db.backends.sqlite3", name=path)
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        db_name = unquote(parsed.path.lstrip("/"))
        if not db_name:
            raise ConfigError(
                f"{name}={raw!r}: a PostgreSQL URL needs a database name after the host"
            )
        try:
            port = str(parsed.port or "")
        except ValueError:
            raise ConfigError(f"{name}={raw!r}: the port is not a number") from None
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        return DatabaseUrl(
            engine="django.db.backends.postgresql",
            name=db_name,
            user=unquote(parsed.username or ""),
            password=unquote(parsed.password or ""),
            host=parsed.hostname or "",
            port=port,
            options=options,
        )
    raise ConfigError(
        f"{name}={raw!r}: unsupported scheme {parsed.scheme!r}; use sqlite:///path or postgres://…"
    )
