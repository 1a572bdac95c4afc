"""Who reads a log (R2.2): the unit, its leaders and their superiors; everyone else 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaohe.core.models import AuditEvent, Notification
from kaohe.testing import World
from kaohe.worklogs.models import LogComment, LogRead, Timeliness, WorkLog

pytestmark = pytest.mark.django_db
D = dt.date

# Personas that may read a log of the bureau, and of its subordinate centre.
READS_BUREAU = {"cadre", "unit_head", "team_member"}  # colleagues, and the leaders themselves
READS_CENTRE = {"unit_head", "team_member"}  # the bureau's leaders oversee the centre
PERSONAS = [
    "region_admin",
    "unit_admin",
    "unit_head",
    "team_member",
    "cadre",
    "cadre_other",
    "supervisor",
    "other_admin",
]


MONDAY = D(2026, 3, 2)


def make_log(
    world: World, key: str, content: str = "上午起草文件，下午参加会议。", day: D = MONDAY
) -> WorkLog:
    person = world.people[key]
    unit = person.memberships.get().unit
    return WorkLog.objects.create(
        region=world.region,
        person=person,
        unit=unit,
        day=day,
        content=content,
        timeliness=Timeliness.ON_TIME,
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_visibility_matrix(
    world: World, client_as: Callable[[str], Client], persona: str
) -> None:
    bureau_log = make_log(world, "cadre", "人社局日志")
    centre_log = make_log(world, "centre_cadre", "中心日志")
    town_log = make_log(world, "town_cadre", "城关镇日志")
    client = client_as(persona)
    feed = client.get(reverse("worklogs:feed")).content.decode()
    for log, readers in (
        (bureau_log, READS_BUREAU),
        (centre_log, READS_CENTRE),
        (town_log, {"cadre_other", "supervisor"}),  # the supervisor's grant is the town
    ):
        status = client.get(reverse("worklogs:history", args=[log.pk])).status_code
        can_read = persona in readers
        assert (log.content in feed) == can_read, (persona, log.content)
        read = client.post(reverse("worklogs:read", args=[log.pk]))
        if can_read:
            assert read.status_code == 302
        else:
            assert read.status_code == 404 and status == 404, (persona, log.content)


def test_only_leaders_comment_and_the_author_is_notified(
    world: World, client_as: Callable[[str], Client]
) -> None:
    log = make_log(world, "cadre")
    colleague = make_log(world, "team")
    assert (
        client_as("cadre")
        .post(reverse("worklogs:comment", args=[colleague.pk]), {"content": "好"})
        .status_code
        == 404
    )
    response = client_as("unit_head").post(
        reverse("worklogs:comment", args=[log.pk]),
        {"content": "<b>很好</b>，继续跟进。"},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert "&lt;b&gt;很好&lt;/b&gt;" in page and "<b>很好</b>" not in page
    assert "已阅" in page and "王建国" in page  # commenting marks the log read
    assert (
        LogComment.objects.filter(log=log).count() == 1
        and LogRead.objects.filter(log=log).count() == 1
    )
    note = Notification.objects.get(user=world.users["cadre"])
    assert "王建国" in note.text and "2026-03-02" in note.text
    assert AuditEvent.objects.filter(action="worklogs.log.comment").exists()
    home = client_as("cadre").get(reverse("home")).content.decode()
    assert 'id="unread-count">1<' in home


def test_a_script_in_a_log_shows_as_text(world: World, client_as: Callable[[str], Client]) -> None:
    make_log(world, "cadre", "<script>alert('x')</script>走访企业")
    page = client_as("unit_head").get(reverse("worklogs:feed")).content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;走访企业" in page
    assert "<script>alert(" not in page


def test_search_finds_chinese_substrings_and_filters_by_person(
    world: World, client_as: Callable[[str], Client]
) -> None:
    make_log(world, "cadre", "到青石镇督查安全生产")
    make_log(world, "team", "审核就业补贴材料")
    client = client_as("unit_head")
    found = client.get(reverse("worklogs:feed"), {"q": "安全生产"}).content.decode()
    assert "督查安全生产" in found and "就业补贴" not in found
    only = client.get(
        reverse("worklogs:feed"), {"person": world.people["team"].pk}
    ).content.decode()
    assert "就业补贴" in only and "督查安全生产" not in only


def test_the_feed_query_count_does_not_grow_with_logs(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_head")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("worklogs:feed")).status_code == 200
        return len(captured)

    first = make_log(world, "cadre", day=D(2026, 3, 2))
    LogComment.objects.create(log=first, author=world.users["unit_head"], content="阅")
    few = count()
    for day in range(3, 20):
        log = make_log(world, "cadre", day=D(2026, 3, day))
        LogRead.objects.create(log=log, reader=world.users["team_member"])
        LogComment.objects.create(log=log, author=world.users["unit_head"], content="好")
    assert count() == few


def test_the_supervisor_reads_the_overseen_units_logs_but_does_not_comment(
    world: World, client_as: Callable[[str], Client]
) -> None:
    town_log = make_log(world, "town_cadre", "城关镇日志")
    bureau_log = make_log(world, "cadre", "人社局日志")
    client = client_as("supervisor")
    # From the compliance page, the town's people link to a feed that shows their logs.
    report = client.get(
        reverse("worklogs:compliance"),
        {"unit": str(world.town.pk), "start": "2026-03-01", "end": "2026-03-31"},
    ).content.decode()
    person = world.people["town_cadre"].pk
    assert f"?person={person}" in report
    feed = client.get(reverse("worklogs:feed"), {"person": person}).content.decode()
    assert "城关镇日志" in feed
    assert client.post(reverse("worklogs:read", args=[town_log.pk])).status_code == 302
    comment = client.post(reverse("worklogs:comment", args=[town_log.pk]), {"content": "好"})
    assert comment.status_code == 404 and not LogComment.objects.exists()
    # Outside the grant: nothing in the feed, 404 on the log.
    feed = client.get(reverse("worklogs:feed")).content.decode()
    assert "人社局日志" not in feed
    assert client.get(reverse("worklogs:history", args=[bureau_log.pk])).status_code == 404
    assert (
        client.get(reverse("worklogs:feed"), {"person": world.people["cadre"].pk})
        .content.decode()
        .count("人社局日志")
        == 0
    )


def test_admins_see_figures_without_links_to_logs_they_cannot_read(
    world: World, client_as: Callable[[str], Client]
) -> None:
    make_log(world, "cadre", "人社局日志")
    report = (
        client_as("unit_admin")
        .get(reverse("worklogs:compliance"), {"unit": world.bureau.pk})
        .content.decode()
    )
    assert "张小明" in report and f"?person={world.people['cadre'].pk}" not in report
