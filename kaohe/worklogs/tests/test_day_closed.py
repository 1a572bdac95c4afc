"""A day past its backfill deadline shows its state and why, never the writing form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from kaohe.testing import World
from kaohe.worklogs import services
from kaohe.worklogs.models import WorkLog

pytestmark = [pytest.mark.django_db]
TODAY = dt.date(2026, 3, 16)  # a Monday
TEXT = "上午参加全局工作例会，下午审核就业补贴申报材料12份。"


def day_page(client: Client, day: str) -> str:
    return client.get(reverse("worklogs:today"), {"day": day}).content.decode()


@override_settings(KAOHE_TODAY=TODAY)
def test_a_missing_day_past_its_deadline_says_so_without_a_form(
    world: World, client_as: Callable[[str], Client]
) -> None:
    page = day_page(client_as("cadre"), "2026-03-02")
    assert 'id="log-form"' not in page and "<textarea" not in page
    assert 'id="day-closed"' in page and "2026-03-02 的日志未填写" in page
    assert "补填期限已过，不能再填写" in page


@override_settings(KAOHE_TODAY=TODAY)
def test_a_written_day_past_its_deadline_shows_the_log_read_only(
    world: World, client_as: Callable[[str], Client]
) -> None:
    services.worklog_submit(
        actor=world.users["cadre"], day=dt.date(2026, 3, 2), content=TEXT, today=dt.date(2026, 3, 2)
    )
    page = day_page(client_as("cadre"), "2026-03-02")
    assert 'id="log-form"' not in page and TEXT in page
    assert 'id="day-state"' in page and "不能再修改" in page


@override_settings(KAOHE_TODAY=TODAY)
def test_an_open_day_and_today_keep_the_form(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("cadre")
    assert 'id="log-form"' in day_page(client, "2026-03-13")
    page = client.get(reverse("worklogs:today")).content.decode()
    assert 'id="log-form"' in page and 'id="day-closed"' not in page


@override_settings(KAOHE_TODAY=TODAY)
def test_a_rest_day_says_no_log_is_needed(world: World, client_as: Callable[[str], Client]) -> None:
    page = day_page(client_as("cadre"), "2026-03-14")
    assert 'id="log-form"' not in page and "不是工作日" in page


@override_settings(KAOHE_TODAY=TODAY)
def test_a_refused_post_for_a_closed_day_shows_no_form(
    world: World, client_as: Callable[[str], Client]
) -> None:
    response = client_as("cadre").post(
        reverse("worklogs:today"), {"day": "2026-03-02", "content": TEXT}
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'id="log-form"' not in page
    assert not WorkLog.objects.exists()


@override_settings(KAOHE_TODAY=TODAY)
def test_the_month_links_a_missing_day_to_its_day_view(
    world: World, client_as: Callable[[str], Client]
) -> None:
    month = client_as("cadre").get(reverse("worklogs:month"), {"month": "2026-03"})
    assert "?day=2026-03-02" in month.content.decode()
