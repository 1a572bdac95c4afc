"""Sessions end after SESSION_COOKIE_AGE without a request, not after an active day,
and a request that only reads saves no session (core.middleware.IdleSessionMiddleware)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kaohe.testing import World

pytestmark = pytest.mark.django_db


class Clock:
    """Moves the time Django's sessions and the middleware read."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, seconds: int) -> None:
        self.now += dt.timedelta(seconds=seconds)


def session_writes(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [
        q["sql"]
        for q in captured.captured_queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def signed_in(world: World) -> Client:
    client = Client()
    client.force_login(world.users["cadre"])
    return client


def test_an_idle_session_ends_after_the_configured_age(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    client = signed_in(world)
    assert client.get(reverse("notifications")).status_code == 200
    clock.advance(settings.SESSION_COOKIE_AGE + 1)
    response = client.get(reverse("notifications"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_active_session_lives_on_past_the_age(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    client = signed_in(world)
    for _ in range(5):  # two and a half ages in all, never idle for more than half of one
        clock.advance(settings.SESSION_COOKIE_AGE // 2)
        assert client.get(reverse("notifications")).status_code == 200


def test_a_session_without_a_stamp_is_saved_once_then_left_alone(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaohe.core.middleware import SESSION_TOUCHED

    client = signed_in(world)
    session = client.session
    del session[SESSION_TOUCHED]  # a session from before this release
    session.save()
    url = reverse("notifications")
    assert len(session_writes(client, url)) == 1
    assert session_writes(client, url) == []


def test_a_read_saves_no_session_until_the_touch_interval_has_passed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    client = signed_in(world)
    url = reverse("notifications")
    assert session_writes(client, url) == []  # signing in saved and stamped it
    assert session_writes(client, url) == []
    clock.advance(settings.SESSION_TOUCH_SECONDS - 1)
    assert session_writes(client, url) == []
    clock.advance(1)
    assert len(session_writes(client, url)) == 1


def test_the_expiry_counts_from_the_last_save_so_it_is_early_by_less_than_the_interval(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    client = signed_in(world)
    url = reverse("notifications")
    clock.advance(60)
    assert client.get(url).status_code == 200  # not saved: the age counts from sign-in
    clock.advance(settings.SESSION_TOUCH_SECONDS - 61)
    assert client.get(url).status_code == 200  # not saved
    clock.advance(settings.SESSION_COOKIE_AGE - settings.SESSION_TOUCH_SECONDS + 2)
    assert client.get(url).status_code == 302


def test_signing_out_leaves_no_session_behind(world: World) -> None:
    from django.contrib.sessions.models import Session

    client = signed_in(world)
    assert client.get(reverse("notifications")).status_code == 200
    client.post(reverse("logout"))
    assert not Session.objects.exists()
