"""Small typed helpers shared by views."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeVar

from django.contrib import messages
from django.http import HttpRequest

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
