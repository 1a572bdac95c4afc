"""The home page: the same queries with few tasks or many, and a task gone as soon as
the write that ends it is done (nothing of a user's is cached between requests)."""

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

from kaohe.core import cache as region_cache
from kaohe.testing import World
from kaohe.worklogs.services import worklog_submit

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 2)
LOG = "今天完成了就业服务窗口的业务办理和材料归档，整理了本周的工作台账。"


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
    # The first view may create the region's work-log rules (policy_for's get_or_create),
    # whose save forgets them for the rest of the test's never-ending transaction.
    region_cache.reset()
    home(client)
    return home(client)


def open_log_tasks(html: str) -> int:
    return html.count(reverse("worklogs:today") + "?day=")


def test_a_written_log_leaves_the_tasks_at_once_in_the_same_queries(
    world: World, settings: Settings, client_as: Callable[[str], Client]
) -> None:
    settings.KAOHE_TODAY = MONDAY
    client = client_as("cadre")
    before, queries = settled(client)
    assert "今日日志尚未填写" in before and "填写今日日志" in before
    many = open_log_tasks(before)
    assert many >= 3
    user = world.users["cadre"]
    worklog_submit(actor=user, day=MONDAY, content=LOG, today=MONDAY)
    after, same = home(client)
    assert "今日日志已填写" in after and open_log_tasks(after) == many - 1
    # Every day still open written too: no log task left, and no query more or less.
    for i in range(1, 10):
        day = MONDAY - dt.timedelta(days=i)
        if f"补写 {day.isoformat()}" in after:
            worklog_submit(actor=user, day=day, content=LOG, today=MONDAY)
    done, fewest = home(client)
    assert open_log_tasks(done) == 0
    assert queries == same == fewest


@pytest.mark.parametrize("persona", ["cadre", "unit_head", "region_admin"])
def test_home_queries_do_not_grow_with_the_units_or_people(
    world: World, settings: Settings, client_as: Callable[[str], Client], persona: str
) -> None:
    from kaohe.org.tests.test_pages import add_staff
    from kaohe.org.tests.test_tree import add_units

    settings.KAOHE_TODAY = MONDAY
    client = client_as(persona)
    _html, few = settled(client)
    add_staff(world, 60)
    add_units(world, 40, parent=world.bureau, prefix="B")
    _html, many = settled(client)
    assert many == few
