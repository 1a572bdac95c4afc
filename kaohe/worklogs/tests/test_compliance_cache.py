"""The region's compliance page of all units is kept for the day (compliance.
region_view_cached): every write of what it counts shows on the next read, and nobody
but a region-wide user is served it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from kaohe.core import cache as region_cache
from kaohe.core.models import WorkdayOverride
from kaohe.org import services as org_services
from kaohe.org.models import LeadershipRole, Leave, MembershipStatus, UnitKind, UnitType
from kaohe.testing import World
from kaohe.worklogs import compliance
from kaohe.worklogs.policies import policy_for
from kaohe.worklogs.services import worklog_submit
from kaohe.worklogs.tallies import tallies_rebuild
from kaohe.worklogs.tests.conftest import place
from kaohe.worklogs.tests.test_compliance import MARCH_WORKDAYS, write

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 16)  # a Monday: today's log is owed
URL = reverse("worklogs:compliance")
TEXT = "今天整理了全年的考核材料并报送"


def _figures(client: Client) -> str:
    """What the page counts: the totals, the unit table and who has not written today."""
    html = client.get(URL).content.decode()
    totals = html[html.index('<section class="grid">') : html.index("</section>")]
    at = html.index('id="unit-table"')
    table = html[at : html.index("</table>", at)]
    not_written = re.search(r"今日尚未填写（\d+ 人）", html)
    assert not_written is not None
    return totals + table + not_written.group(0)


def _fresh(client: Client) -> str:
    """The same figures computed anew, with nothing cached."""
    cache.clear()
    region_cache.reset()
    return _figures(client)


def _is_kept(world: World) -> bool:
    key = region_cache.region_key(f"{compliance.REGION_VIEW}:{TODAY.isoformat()}", world.region.pk)
    return cache.get(key) is not None


def _cached(client: Client, world: World) -> str:
    first = _figures(client)
    assert _is_kept(world)
    return first


@pytest.fixture
def admin(
    world: World,
    client_as: Callable[[str], Client],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> Client:
    write(world, "cadre", MARCH_WORKDAYS[:5])
    # The region's rules are created on first read, which forgets the view: done (and
    # committed) here, so that the test's first read keeps it.
    with django_capture_on_commit_callbacks(execute=True):
        policy_for(world.region.pk)
    # The world's writes forgot the region's org version in this (never committed)
    # transaction: as if they had committed, so that the view's stamp holds still.
    region_cache.reset()
    return client_as("region_admin")


@override_settings(KAOHE_TODAY=TODAY)
def test_a_submitted_log_is_counted_on_the_next_read(world: World, admin: Client) -> None:
    before = _cached(admin, world)
    assert "今日尚未填写（7 人）" in before
    worklog_submit(actor=world.users["cadre"], day=TODAY, content=TEXT)
    worklog_submit(actor=world.users["unit_head"], day=MARCH_WORKDAYS[-5], content=TEXT)
    after = _figures(admin)
    assert after != before and "今日尚未填写（6 人）" in after
    assert after == _fresh(admin)


@override_settings(KAOHE_TODAY=TODAY)
def test_an_edited_log_keeps_the_figures_and_the_cache(
    world: World, admin: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        worklog_submit(actor=world.users["cadre"], day=TODAY, content=TEXT)
    before = _cached(admin, world)
    worklog_submit(actor=world.users["cadre"], day=TODAY, content=TEXT + "。")
    assert _figures(admin) == before and _is_kept(world)
    assert before == _fresh(admin)


@override_settings(KAOHE_TODAY=TODAY)
def test_a_new_member_and_a_new_unit_show_on_the_next_read(world: World, admin: Client) -> None:
    before = _cached(admin, world)
    place(world, "新人甲", "N001", dt.date(2026, 3, 2))  # org services: a membership
    unit = org_services.unit_create(
        actor=None,
        region=world.region,
        name="新设单位",
        code="NEW1",
        unit_type=UnitType.DISTRICT_UNIT,
        unit_kind=UnitKind.ADMINISTRATIVE,
    )
    person = org_services.person_create(
        actor=None, region=world.region, staff_no="N002", name="新人乙"
    )
    org_services.membership_change(
        actor=None,
        person=person,
        unit=unit,
        rank_level=world.rank("一级科员"),
        personnel_category=world.category(),
        leadership_role=LeadershipRole.STAFF,
        status=MembershipStatus.ON_DUTY,
        valid_from=dt.date(2026, 3, 9),
    )
    after = _figures(admin)
    assert after != before and "新设单位" in after and "今日尚未填写（9 人）" in after
    assert after == _fresh(admin)
    html = admin.get(URL).content.decode()
    at = html.index('<select name="unit"')
    picker = html[at : html.index("</select>", at)]
    assert "新设单位" in picker and "新人乙" in html[html.index("今日尚未填写") :]


@override_settings(KAOHE_TODAY=TODAY)
def test_leave_changes_the_days_owed_on_the_next_read(world: World, admin: Client) -> None:
    before = _cached(admin, world)
    leave = Leave.objects.create(
        region=world.region,
        person=world.people["cadre"],
        start=dt.date(2026, 2, 2),
        end=TODAY,
    )
    on_leave = _figures(admin)
    assert on_leave != before and on_leave == _fresh(admin)
    leave.delete()
    assert _figures(admin) == before


@override_settings(KAOHE_TODAY=TODAY)
def test_calendar_overrides_and_the_rules_show_on_the_next_read(
    world: World, admin: Client
) -> None:
    before = _cached(admin, world)
    override = WorkdayOverride.objects.create(
        region=world.region, day=dt.date(2026, 3, 14), is_workday=True
    )  # a Saturday made a working day
    worked = _figures(admin)
    assert worked != before and worked == _fresh(admin)
    override.delete()
    assert _figures(admin) == before
    policy = policy_for(world.region.pk)
    policy.backfill_workdays = 1
    policy.save()
    stricter = _figures(admin)
    assert stricter != before and stricter == _fresh(admin)


@override_settings(KAOHE_TODAY=TODAY)
def test_a_tallies_rebuild_is_seen_on_the_next_read(world: World, admin: Client) -> None:
    before = _cached(admin, world)
    # Logs loaded in bulk, past the services (a repair, a migration): the tallies'
    # rebuild that follows such a load drops the region's figures.
    write(world, "head", MARCH_WORKDAYS[:4])
    tallies_rebuild(actor=None, region_ids=[world.region.pk])
    after = _figures(admin)
    assert after != before and after == _fresh(admin)


@override_settings(KAOHE_TODAY=TODAY)
def test_only_a_region_wide_user_is_served_the_regions_view(
    world: World, admin: Client, client_as: Callable[[str], Client]
) -> None:
    region = _cached(admin, world)
    assert "城关镇" in region
    mine = _figures(client_as("unit_admin"))
    assert "城关镇" not in mine and "区就业服务中心" in mine


@override_settings(KAOHE_TODAY=TODAY)
def test_the_cached_view_reads_the_same_few_queries_for_a_bigger_region(
    world: World, admin: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin.get(URL).status_code == 200
        return len(captured)

    queries()
    few = queries()
    # Committed, as a request's writes are: the view is then kept again.
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            key = f"n{i}"
            world.people[key] = place(world, f"新人{i}", f"N{i:03d}", dt.date(2026, 1, 5))
            write(world, key, MARCH_WORKDAYS[: i + 1])
    built = queries()  # the placements forgot the view: built anew, and kept
    assert queries() == few < built
