"""The home page: its facts are cached per user (pages.todo.home_facts), built in the
same queries with few tasks or many, served in none, and gone as soon as a write that
changes them is committed (the stale-read tests at the end commit, as production does)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.fixtures import Settings

from kaohe.accounts.home_cache import HOME_TOPIC
from kaohe.accounts.models import Role
from kaohe.accounts.services import role_grant
from kaohe.core import cache as region_cache
from kaohe.core.cache import user_key
from kaohe.core.models import WorkdayOverride
from kaohe.org.models import LeadershipRole, MembershipStatus
from kaohe.org.services import membership_change
from kaohe.reviews import services as reviews
from kaohe.reviews.models import ReviewRound
from kaohe.reviews.tests.fixtures import bureau_unit
from kaohe.scoring import guards
from kaohe.scoring import services as scoring
from kaohe.scoring.models import QuarterResult, QuarterRun
from kaohe.testing import World
from kaohe.worklogs.services import worklog_submit

MONDAY = dt.date(2026, 3, 2)
LOG = "今天完成了就业服务窗口的业务办理和材料归档，整理了本周的工作台账。"
# The session and the user: what every logged-in page reads (the ping's two queries).
REQUEST_QUERIES = 2


def home(client: Client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode(), len(captured)


def settled(client: Client) -> tuple[str, int]:
    """The page once the region's cached facts are built afresh (as after a write)."""
    cache.clear()
    region_cache.reset()
    home(client)
    # Viewed twice first, so that every per-process value is built too.
    region_cache.reset()
    home(client)
    return home(client)


def rebuilt(client: Client, user_id: int) -> tuple[str, int]:
    """The page with the user's home facts dropped and everything else cached."""
    cache.delete(user_key(HOME_TOPIC, user_id))
    return home(client)


def cached(client: Client) -> str:
    """The page served from the user's cached facts (the first read of a test's region may
    create its log rules, whose save outdates the facts built with it: read thrice)."""
    home(client)
    home(client)
    html, queries = home(client)
    assert queries == REQUEST_QUERIES
    return html


def open_log_tasks(html: str) -> int:
    return html.count(reverse("worklogs:today") + "?day=")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["cadre", "unit_head", "region_admin"])
def test_home_queries_do_not_grow_with_the_units_or_people(
    world: World, settings: Settings, client_as: Callable[[str], Client], persona: str
) -> None:
    from kaohe.org.tests.test_pages import add_staff
    from kaohe.org.tests.test_tree import add_units

    settings.KAOHE_TODAY = MONDAY
    client = client_as(persona)
    user = world.users[persona]
    _html, few = settled(client)
    _html, built_few = rebuilt(client, user.pk)
    add_staff(world, 60)
    add_units(world, 40, parent=world.bureau, prefix="B")
    _html, many = settled(client)
    _html, built_many = rebuilt(client, user.pk)
    assert many == few and built_many == built_few
    if persona == "cadre":
        # Served from the cache, a cadre's home reads nothing but the request's own rows;
        # built, it reads their days, memberships, ballots, results, written notices
        # to sign and the region's running 公示 (one query each).
        assert few == REQUEST_QUERIES
        assert built_few == REQUEST_QUERIES + 6


@pytest.mark.django_db
def test_a_cadres_home_facts_are_cached_and_any_days_tasks_follow(
    world: World, settings: Settings, client_as: Callable[[str], Client]
) -> None:
    settings.KAOHE_TODAY = MONDAY
    client = client_as("cadre")
    before, _queries = settled(client)
    assert cache.get(user_key(HOME_TOPIC, world.users["cadre"].pk)) is not None
    assert f"?day={MONDAY}" in before
    # The next day is a miss: its own open days and card, not Monday's.
    settings.KAOHE_TODAY = MONDAY + dt.timedelta(days=1)
    after, _queries = home(client)
    assert f"?day={MONDAY + dt.timedelta(days=1)}" in after


# ---------------------------------------------------------------- committed writes


@pytest.mark.django_db(transaction=True)
def test_a_written_log_leaves_the_tasks_at_once(
    world: World, settings: Settings, client_as: Callable[[str], Client]
) -> None:
    settings.KAOHE_TODAY = MONDAY
    client = client_as("cadre")
    before = cached(client)
    assert "今日日志尚未填写" in before and "填写今日日志" in before
    many = open_log_tasks(before)
    assert many >= 3
    user = world.users["cadre"]
    worklog_submit(actor=user, day=MONDAY, content=LOG, today=MONDAY)
    after, _queries = home(client)
    assert "今日日志已填写" in after and open_log_tasks(after) == many - 1
    for i in range(1, 10):
        day = MONDAY - dt.timedelta(days=i)
        if f"补写 {day.isoformat()}" in after:
            worklog_submit(actor=user, day=day, content=LOG, today=MONDAY)
    done, _queries = home(client)
    assert open_log_tasks(done) == 0


@pytest.mark.django_db(transaction=True)
def test_a_ballot_comes_with_the_round_and_goes_with_the_vote_or_the_close(
    big: World, settings: Settings, client_as: Callable[[str], Client]
) -> None:
    from kaohe.reviews.tests.test_rounds import ballot

    settings.KAOHE_TODAY = dt.date(2026, 4, 5)
    office = big.users["region_admin"]
    voter, other = client_as("B00"), client_as("cadre")
    round_ = reviews.round_create(
        actor=office,
        region=big.region,
        year=2026,
        number=1,
        starts_on=dt.date(2026, 4, 1),
        ends_on=dt.date(2026, 4, 10),
    )
    vote = "参加2026年第1季度考评评分"
    assert vote not in cached(voter) and vote not in cached(other)
    reviews.round_open(actor=office, round_=round_)
    assert vote in cached(voter) and vote in cached(other)
    ru = bureau_unit(round_, big)
    reviews.ballot_submit(actor=big.users["B00"], round_unit=ru, values=ballot(big, "B00", ru))
    assert vote not in home(voter)[0] and vote in home(other)[0]
    reviews.round_extend(
        actor=office,
        round_=ReviewRound.objects.get(pk=round_.pk),
        ends_on=dt.date(2026, 4, 20),
        reason="延长投票时间",
    )
    assert "截止 2026-04-20" in home(other)[0]
    reviews.round_close(actor=office, round_=ReviewRound.objects.get(pk=round_.pk))
    assert vote not in home(other)[0]


@pytest.mark.django_db(transaction=True)
def test_a_result_to_confirm_comes_with_the_publication_and_goes_with_the_receipt(
    big: World, graded: QuarterRun, settings: Settings, client_as: Callable[[str], Client]
) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 5, 6)
    office, client = big.users["region_admin"], client_as("cadre")
    confirm = "查看并确认您2026年第1季度的考核结果"
    assert confirm not in cached(client)
    QuarterResult.objects.filter(run=graded, tie=True).update(change_reason="经研究确定")
    scoring.quarter_confirm(actor=office, run=graded)
    scoring.quarter_publish(actor=office, run=graded, confirmation=guards.publish_token(graded))
    assert confirm in cached(client)
    result = QuarterResult.objects.get(run=graded, person=big.people["cadre"])
    scoring.receipt_confirm(actor=big.users["cadre"], result=result)
    assert confirm not in home(client)[0]


@pytest.mark.django_db(transaction=True)
def test_a_new_position_and_a_new_grant_show_at_once(
    world: World, settings: Settings, client_as: Callable[[str], Client]
) -> None:
    settings.KAOHE_TODAY = MONDAY
    client = client_as("cadre")
    centre = reverse("org:unit", args=[world.centre.pk])
    assert centre not in cached(client)
    membership_change(
        actor=None,
        person=world.people["cadre"],
        unit=world.centre,
        rank_level=world.rank("一般干部"),
        personnel_category=world.category(),
        leadership_role=LeadershipRole.STAFF,
        status=MembershipStatus.ON_DUTY,
        valid_from=MONDAY,
        post="窗口科员",
    )
    page = cached(client)
    assert centre in page and "窗口科员" in page
    # A grant changes the stamp: the granted unit and its head count show.
    town = reverse("org:unit", args=[world.town.pk])
    assert town not in page
    role_grant(actor=None, user=world.users["cadre"], role=Role.UNIT_HEAD, unit=world.town)
    assert town in home(client)[0]


@pytest.mark.django_db(transaction=True)
def test_a_day_made_a_holiday_in_the_admin_owes_no_log(
    world: World, settings: Settings, client_as: Callable[[str], Client]
) -> None:
    settings.KAOHE_TODAY = MONDAY
    client = client_as("cadre")
    assert "今日日志尚未填写" in cached(client)
    WorkdayOverride.objects.create(region=world.region, day=MONDAY, is_workday=False)
    page = home(client)[0]
    assert "今日日志尚未填写" not in page and f"?day={MONDAY}" not in page
