"""Small typed helpers shared by views."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from kaohe.accounts.models import User
from kaohe.core.errors import ApplicationError

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
