"""Small typed helpers shared by views."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from kaohe.accounts.models import User
from kaohe.core.errors import ApplicationError
from kaohe.env import IPNetwork

_D = TypeVar("_D", dt.date, None)


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
    """Parse a YYYY-MM-DD query value; returns (day, ok). Bad input falls back to default."""
    if not raw:
        return default, True
    try:
        return dt.date.fromisoformat(raw), True
    except ValueError:
        return default, False


def problems_of(exc: ApplicationError) -> list[str]:
    """The problems a refusal lists (`extra["problems"]`), or else its one message."""
    return list(exc.extra.get("problems") or [exc.message])


def queue_problems(request: HttpRequest, exc: ApplicationError) -> None:
    """Each problem of the refusal as an error message, shown on the next page."""
    for problem in problems_of(exc):
        messages.error(request, problem)
