"""The feed's readable units are cached per user (`selectors.feed_scope`); every write
that changes them is seen on the next page. Transactional tests: the cache is read
and written as in production, each write committed before the next page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaohe.accounts.models import Role, RoleGrant, User
from kaohe.accounts.services import role_grant, role_revoke
from kaohe.core import clock
from kaohe.org import services as org_services
from kaohe.org.models import LeadershipRole, MembershipStatus, Unit, UnitKind, UnitType
from kaohe.testing import World
from kaohe.worklogs import selectors
from kaohe.worklogs.models import LogComment, LogRead, Timeliness, WorkLog

pytestmark = pytest.mark.django_db(transaction=True)
D = dt.date


def write(world: World, key: str, text: str, unit: Unit | None = None) -> WorkLog:
    person = world.people[key]
    return WorkLog.objects.create(
        region=world.region,
        person=person,
        unit=unit or person.memberships.get().unit,
        day=D(2026, 3, 2),
        content=text,
        timeliness=Timeliness.ON_TIME,
    )


def feed(client: Client, **params: int) -> str:
    response = client.get(reverse("worklogs:feed"), params)
    assert response.status_code == 200
    return response.content.decode()


def scope_queries(user: User) -> int:
    """Queries to get the user's readable units, as a new request does (a new User)."""
    fresh = User.objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as captured:
        selectors.feed_scope(fresh)
    return len(captured)


def test_the_readable_units_are_built_once_and_then_read_from_the_cache(world: World) -> None:
    head = world.users["unit_head"]
    assert scope_queries(head) == 3  # the grants, the memberships today, the units
    assert scope_queries(head) == 0
    scope = selectors.feed_scope(User.objects.get(pk=head.pk))
    assert scope.units == (
        (world.bureau.pk, world.bureau.name),
        (world.centre.pk, world.centre.name),
    )


def test_a_moved_cadre_reads_the_new_units_logs_on_the_next_page(
    world: World, client_as: Callable[[str], Client]
) -> None:
    write(world, "town_cadre", "城关镇日志")
    client = client_as("cadre")
    assert "城关镇日志" not in feed(client)
    org_services.membership_change(
        actor=None,
        person=world.people["cadre"],
        unit=world.town,
        rank_level=world.rank("一般干部"),
        personnel_category=world.category(),
        leadership_role=LeadershipRole.STAFF,
        status=MembershipStatus.ON_DUTY,
        valid_from=clock.today(),
    )
    page = feed(client)
    assert "城关镇日志" in page
    assert f'<option value="{world.town.pk}"' in page
    assert f'<option value="{world.bureau.pk}"' not in page


def test_a_new_subordinate_unit_is_read_by_the_heads_above_it_on_the_next_page(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_head")
    feed(client)
    unit = org_services.unit_create(
        actor=None,
        region=world.region,
        parent=world.centre,
        name="就业科",
        code="K001",
        unit_type=UnitType.SUBORDINATE,
        unit_kind=UnitKind.ADMINISTRATIVE,
    )
    write(world, "centre_cadre", "就业科的日志", unit=unit)
    page = feed(client)
    assert "就业科的日志" in page and f'<option value="{unit.pk}">就业科</option>' in page


def test_a_grant_and_its_revocation_are_seen_on_the_next_page(
    world: World, client_as: Callable[[str], Client]
) -> None:
    write(world, "cadre", "人社局日志")
    supervisor = world.users["supervisor"]
    client = client_as("supervisor")
    assert "人社局日志" not in feed(client)
    role_grant(actor=None, user=supervisor, role=Role.SUPERVISOR, unit=world.bureau)
    assert "人社局日志" in feed(client)
    role_revoke(actor=None, grant=RoleGrant.objects.get(user=supervisor, unit=world.bureau))
    assert "人社局日志" not in feed(client)


def test_the_unit_filter_offers_the_top_of_a_larger_scope_and_reads_all_of_it(
    world: World, client_as: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "FEED_PICKER_UNITS", 1)
    write(world, "centre_cadre", "中心日志")
    client = client_as("unit_head")
    page = feed(client)
    assert f'<option value="{world.bureau.pk}"' in page
    assert f'<option value="{world.centre.pk}"' not in page  # deeper than the top
    assert "中心日志" in page
    assert "中心日志" in feed(client, unit=world.centre.pk)
    assert "中心日志" in feed(client, person=world.people["centre_cadre"].pk)
    assert "中心日志" not in feed(client, unit=world.town.pk)


def test_a_feed_page_is_two_queries_besides_the_session_and_the_user(
    world: World, client_as: Callable[[str], Client]
) -> None:
    """The page's log ids, then those logs with their authors and units, their reads
    and comments (a statement PostgreSQL prepares once per connection); the readable
    units and the grants come from the cache, however many logs show."""
    client = client_as("unit_head")

    def count() -> int:
        feed(client)  # the first page after a write builds the cached facts again
        with CaptureQueriesContext(connection) as captured:
            feed(client)
        return len(captured)

    write(world, "cadre", "第一篇")
    assert count() == 4
    for day in range(3, 25):
        log = WorkLog.objects.create(
            region=world.region,
            person=world.people["centre_cadre"],
            unit=world.centre,
            day=D(2026, 3, day),
            content=f"第{day}天",
            timeliness=Timeliness.ON_TIME,
        )
        LogRead.objects.create(log=log, reader=world.users["team_member"])
        LogComment.objects.create(log=log, author=world.users["unit_head"], content="好")
    assert count() == 4


def test_the_entries_carry_each_logs_reads_and_comments_in_order_with_names(
    world: World,
) -> None:
    """One statement reads the logs and their notes: each note on its own log, reads
    and comments each by time then id, a person's name or else the account's."""
    from django.utils import timezone

    first = write(world, "cadre", "第一篇")
    second = WorkLog.objects.create(
        region=world.region,
        person=world.people["cadre"],
        unit=world.bureau,
        day=D(2026, 3, 3),
        content="第二篇",
        timeliness=Timeliness.ON_TIME,
    )
    at = timezone.make_aware(dt.datetime(2026, 3, 3, 18, 0))
    later = LogRead.objects.create(log=second, reader=world.users["unit_head"])
    earlier = LogRead.objects.create(log=second, reader=world.users["region_admin"])
    LogRead.objects.filter(pk=later.pk).update(read_at=at)  # read_at is set on create
    LogRead.objects.filter(pk=earlier.pk).update(read_at=at - dt.timedelta(hours=1))
    LogRead.objects.create(log=first, reader=world.users["team_member"])
    one = LogComment.objects.create(log=second, author=world.users["unit_admin"], content="一")
    two = LogComment.objects.create(log=second, author=world.users["unit_head"], content="二")
    LogComment.objects.filter(pk=two.pk).update(created_at=one.created_at - dt.timedelta(minutes=5))
    head = world.users["unit_head"]
    entries = selectors.feed_entries(head, [first.pk, second.pk])
    assert [e.log_id for e in entries] == [second.pk, first.pk]
    name = world.people["head"].name
    assert entries[0].readers == ["region_admin", name] and entries[0].read_by_me
    assert entries[0].comments == [(name, "二"), ("unit_admin", "一")]
    assert entries[1].readers == [world.people["team"].name] and not entries[1].read_by_me
    assert entries[1].comments == [] and entries[1].person_name == world.people["cadre"].name
    assert entries[1].unit_name == world.bureau.name and entries[1].content == "第一篇"
    assert selectors.feed_entries(head, []) == []
