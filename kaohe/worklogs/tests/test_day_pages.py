"""The day and month views read a fixed number of queries, whatever the logs, reads and
comments, and show the author's own logs as the shared log item does."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from kaohe.core import cache as region_cache
from kaohe.testing import World
from kaohe.worklogs import selectors
from kaohe.worklogs.models import LogComment, LogRead, Timeliness, WorkLog

pytestmark = [pytest.mark.django_db]
TODAY = dt.date(2026, 3, 16)  # a Monday
TEXT = "上午参加全局工作例会，下午审核就业补贴申报材料12份。"


def _log(world: World, day: dt.date, content: str = TEXT, **extra: object) -> WorkLog:
    person = world.people["cadre"]
    return WorkLog.objects.create(
        region=world.region,
        person=person,
        unit=person.memberships.get().unit,
        day=day,
        content=content,
        timeliness=Timeliness.BACKFILLED if day < TODAY else Timeliness.ON_TIME,
        **extra,
    )


def _count(client: Client, path: str, params: dict[str, str] | None = None) -> tuple[int, str]:
    """The page's queries once the region's cached facts are built afresh (as after a
    write), viewed twice first so that every per-process value is built too."""
    cache.clear()
    region_cache.reset()
    client.get(path, params or {})
    region_cache.reset()
    client.get(path, params or {})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(captured), response.content.decode()


def _tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


@override_settings(KAOHE_TODAY=TODAY)
def test_the_day_view_reads_the_same_queries_for_more_logs_reads_and_comments(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("cadre")
    today = reverse("worklogs:today")
    _log(world, dt.date(2026, 3, 2))
    few, _page = _count(client, today)
    for day in range(3, 14):
        log = _log(world, dt.date(2026, 3, day))
        LogRead.objects.create(log=log, reader=world.users["team_member"])
        LogComment.objects.create(log=log, author=world.users["unit_head"], content="好")
    many, page = _count(client, today)
    # Session, user; the person's days with the day's text and the recent logs with
    # their reads and comments, in one statement.
    assert many == few == 3
    assert page.count('class="comment"') == 10  # the ten newest logs, each commented
    assert _count(client, today, {"day": "2026-03-13"})[0] == 3
    # A day before the open days' window: its own row, the window, the recent logs.
    assert _count(client, today, {"day": "2026-01-05"})[0] == 5


@override_settings(KAOHE_TODAY=TODAY)
def test_the_month_view_reads_the_same_queries_for_more_logs(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("cadre")
    month = reverse("worklogs:month")
    few, _page = _count(client, month)
    for day in range(2, 14):
        _log(world, dt.date(2026, 3, day))
    many, page = _count(client, month)
    assert many == few == 3  # session, user, the person's days
    assert page.count('class="st-backfilled"') == 13  # the legend and the twelve logs
    assert f'<a href="{reverse("worklogs:today")}?day=2026-03-13">13</a>' in page
    assert 'title="2026-03-14"><span>14</span>' in page  # a rest day opens nothing


@override_settings(KAOHE_TODAY=TODAY)
def test_the_own_logs_show_as_the_log_item_shows_them_to_their_author(
    world: World, client_as: Callable[[str], Client]
) -> None:
    from django.template.loader import render_to_string

    cadre = world.users["cadre"]
    plain = _log(world, dt.date(2026, 3, 12))
    edited = _log(
        world, dt.date(2026, 3, 13), "<script>alert('x')</script>走访企业", revision_count=1
    )
    LogRead.objects.create(log=edited, reader=world.users["team_member"])
    LogRead.objects.create(log=edited, reader=world.users["unit_head"])
    LogComment.objects.create(log=edited, author=world.users["unit_head"], content="<b>好</b>")
    LogComment.objects.create(log=edited, author=world.users["team_member"], content="阅 & 记")
    page = client_as("cadre").get(reverse("worklogs:today")).content.decode()
    assert "<script>alert(" not in page and "&lt;b&gt;好&lt;/b&gt;" in page
    assert reverse("worklogs:history", args=[edited.pk]) in page
    client = client_as("cadre")
    request = client.get(reverse("worklogs:today")).wsgi_request
    for log in WorkLog.objects.filter(pk__in=[plain.pk, edited.pk]).select_related(
        "person", "unit"
    ):
        item = render_to_string(
            "worklogs/_log_item.html",
            {
                "log": log,
                "item": selectors.log_items(cadre, [log])[0],
                "user": cadre,
                "leader_unit_ids": set(),
            },
            request,
        )
        assert _tags(item) in _tags(page)


@override_settings(KAOHE_TODAY=TODAY)
def test_the_day_view_shows_the_days_own_text_inside_and_outside_the_recent_window(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("cadre")
    # Eleven later logs push the old one off the recent list: its text comes with its day.
    _log(world, dt.date(2026, 1, 5), "一月的日志，早已过了补填期限。")
    _log(world, dt.date(2026, 3, 2), "三月二日的日志。")
    for day in range(3, 14):
        _log(world, dt.date(2026, 3, day))
    old = client.get(reverse("worklogs:today"), {"day": "2026-01-05"}).content.decode()
    assert 'id="day-log"' in old and "一月的日志，早已过了补填期限。" in old
    assert 'id="day-closed"' in old
    # Within the window, an open day's log fills the form to be edited.
    open_day = client.get(reverse("worklogs:today"), {"day": "2026-03-13"}).content.decode()
    assert f">{TEXT}</textarea>" in open_day
    missing = client.get(reverse("worklogs:today"), {"day": "2026-03-02"}).content.decode()
    assert 'id="day-log"' in missing and "三月二日的日志。" in missing


@override_settings(KAOHE_TODAY=TODAY)
def test_the_recent_logs_carry_their_reads_and_comments_in_order_with_names(
    world: World,
) -> None:
    """One statement reads the logs and their notes: each note on its own log, reads
    and comments each by time then id, a person's name or else the account's."""
    import datetime as _dt

    from django.utils import timezone

    older = _log(world, dt.date(2026, 3, 12))
    newer = _log(world, dt.date(2026, 3, 13))
    at = timezone.make_aware(_dt.datetime(2026, 3, 13, 18, 0))
    # Written out of order: the later read first, the earlier one with a larger id.
    later = LogRead.objects.create(log=newer, reader=world.users["unit_head"])
    earlier = LogRead.objects.create(log=newer, reader=world.users["region_admin"])
    LogRead.objects.filter(pk=later.pk).update(read_at=at)  # read_at is set on create
    LogRead.objects.filter(pk=earlier.pk).update(read_at=at - _dt.timedelta(hours=1))
    LogRead.objects.create(log=older, reader=world.users["team_member"])
    first = LogComment.objects.create(log=newer, author=world.users["unit_admin"], content="一")
    second = LogComment.objects.create(log=newer, author=world.users["unit_head"], content="二")
    LogComment.objects.filter(pk=second.pk).update(
        created_at=first.created_at - _dt.timedelta(minutes=5)
    )
    logs = selectors.my_recent_logs(world.users["cadre"])
    assert [(log.log_id, log.day) for log in logs] == [
        (newer.pk, dt.date(2026, 3, 13)),
        (older.pk, dt.date(2026, 3, 12)),
    ]
    head = world.people["head"].name
    assert logs[0].readers == ["region_admin", head]
    assert logs[0].comments == [(head, "二"), ("unit_admin", "一")]
    assert logs[1].readers == [world.people["team"].name] and logs[1].comments == []
    assert logs[0].unit_name == world.bureau.name and logs[0].content == TEXT
    assert selectors.my_recent_logs(world.users["cadre"], limit=1)[0].readers == logs[0].readers
    # The day page reads the same logs in its one statement, inside the window and out.
    for day in (TODAY, dt.date(2026, 3, 13), dt.date(2026, 1, 5)):
        view = selectors.day_view(world.users["cadre"], day, TODAY, recent=10)
        assert view.recent == logs
    assert selectors.day_view(world.users["cadre"], TODAY, TODAY).recent == []
