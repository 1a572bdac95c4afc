"""Small typed helpers shared by views."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy

from kaohe.accounts.models import User
from kaohe.core.errors import ApplicationError
from kaohe.env import IPNetwork

_D = TypeVar("_D", dt.date, None)

# Every id column is a 64-bit integer; a larger number in a query overflows the
# driver (SQLite raises, PostgreSQL refuses), so it is no id at all.
MAX_ID = 2**63 - 1
# Days a page may be asked about. Views add and subtract days, months and years
# (previous month, backfill windows, "to" dates made exclusive), which overflow
# Python's calendar at its ends; no record of this system lies outside these.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
BAD_DAY = gettext_lazy(
    "Dates must be written as YYYY-MM-DD, between 2000-01-01 and 2099-12-31, e.g. 2026-03-31."
)
BAD_MONTH = gettext_lazy(
    "Months must be written as YYYY-MM, between 2000-01 and 2099-12, e.g. 2026-03."
)
_ID = re.compile(r"[0-9]{1,19}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True)
class AuthedRequest:
    """The request of a logged-in user, with `user` typed as our User model."""

    request: HttpRequest
    user: User

    @classmethod
    def of(cls, request: HttpRequest) -> AuthedRequest:
        user = request.user
        assert isinstance(user, User), "view must be wrapped in login_required"
        return cls(request=request, user=user)


def client_address(request: HttpRequest) -> str:
    """The address of the browser, not of the reverse proxy in front of us.

    X-Forwarded-For is believed only as far as it was written by one of
    settings.KAOHE_TRUSTED_PROXIES: from the right, each hop is the proxy that
    appended it, and the first address that is not a trusted proxy is the client.
    Anything a client wrote itself lies to the left of that and is never read, so
    a spoofed header cannot pick someone else's login lockout.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    trusted: tuple[IPNetwork, ...] = settings.KAOHE_TRUSTED_PROXIES
    if not trusted or not _is_trusted(remote, trusted):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    client = remote
    for hop in reversed([h for h in hops if h]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # not written by a trusted proxy: stop at the last hop that was
        client = hop
        if not _is_trusted(hop, trusted):
            break
    return client


def _is_trusted(address: str, trusted: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def redirect_back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Redirect to the form's `next`, or to `fallback` when `next` points off this site.

    `next` is user input: an unchecked one makes us an open redirect to a phishing page.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = fallback
    return HttpResponseRedirect(target)


def parse_day(raw: str | None, default: _D) -> tuple[dt.date | _D, bool]:
    """Parse a YYYY-MM-DD query value; returns (day, ok). Bad input falls back to default.

    A day outside FIRST_DAY..LAST_DAY is bad input too (the caller shows BAD_DAY).
    """
    if not raw:
        return default, True
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return default, False
    if not FIRST_DAY <= day <= LAST_DAY:
        return default, False
    return day, True


def parse_month(raw: str | None, default: dt.date) -> tuple[dt.date, bool]:
    """Parse a YYYY-MM query value into the month's first day; returns (first, ok).

    Bad input, or a month outside FIRST_DAY..LAST_DAY, falls back to default
    (the caller shows BAD_MONTH).
    """
    if not raw:
        return default, True
    match = _MONTH.fullmatch(raw)
    if not match or not 1 <= int(match[2]) <= 12:
        return default, False
    first = dt.date(int(match[1]), int(match[2]), 1)
    if not FIRST_DAY <= first <= LAST_DAY:
        return default, False
    return first, True


def parse_id(raw: str | None) -> int | None:
    """A positive id from a query or form value, or None for anything else.

    ASCII digits only: str.isdigit() accepts "²", which int() cannot read.
    """
    if raw is None or not _ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


class IdConverter:
    """The `<id:...>` path converter: an id column's range, else the URL does not match (404).

    Django's `<int:...>` takes any length of digits, and a twenty-digit id then
    overflows the database driver in the view's lookup.
    """

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)


@dataclass(frozen=True)
class Refusal:
    """A refusal as every page shows it: the summary, when the message says more than
    its problems, then each problem. `code` is the stable ErrorCode (the page writes it
    in a data attribute, so tests and scripts need not read the wording)."""

    code: str
    summary: str
    problems: list[str]

    @classmethod
    def of(cls, exc: ApplicationError) -> Refusal:
        problems = list(exc.problems)
        # A message that only strings the problems together is not said twice.
        said = exc.message in (" ".join(problems), "".join(problems))
        return cls(code=str(exc.code), summary="" if said else exc.message, problems=problems)


def show_refusal(request: HttpRequest, exc: ApplicationError) -> Refusal:
    """The one way a view shows a refusal on the page it redirects to or renders: the
    summary and each problem queued as error messages. Returns the Refusal for a page
    that also marks it in place (core/_refusal.html renders the same parts)."""
    refusal = Refusal.of(exc)
    for line in ([refusal.summary] if refusal.summary else []) + refusal.problems:
        messages.error(request, line)
    return refusal
