"""One-click reminders: who they reach, at most once a day per person, the counts on
the button and in the result, and who may click."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from kaohe.core.models import Notification
from kaohe.notices.models import Reminder
from kaohe.reviews.models import Participation, ReviewRound
from kaohe.testing import World
from kaohe.worklogs.services import worklog_submit

MONDAY = dt.date(2026, 3, 2)
LOG_TEXT = "请填写今日（2026-03-02）工作纪实。"


@pytest.fixture
def monday(settings: Settings) -> dt.date:
    settings.KAOHE_TODAY = MONDAY
    return MONDAY


def reminded_users() -> set[str]:
    return set(Notification.objects.values_list("user__username", flat=True))


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_the_office_reminds_everyone_who_has_not_written_once_a_day(
    world: World,
    monday: dt.date,
    client_as: Callable[[str], Client],
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    worklog_submit(
        actor=world.users["team_member"],
        day=monday,
        content="走访辖区企业三家，了解用工需求并登记台账",
        today=monday,
    )
    office = client_as("region_admin")
    with django_assert_max_num_queries(20):
        button = office.get(reverse("notices:remind_logs"), HTTP_HX_REQUEST="true")
    html = button.content.decode()
    assert "提醒 3 人填写今日纪实" in html and "无系统账号（无法在系统内提醒）：3 人" in html
    assert "<html" not in html  # a fragment for htmx

    response = office.post(reverse("notices:remind_logs"), follow=True)
    assert "已提醒 3 人；另有 0 人今天已提醒过。" in messages_of(response)
    assert reminded_users() == {"unit_head", "cadre", "cadre_other"}
    assert Notification.objects.filter(text=LOG_TEXT).count() == 3

    # Again the same day, by another admin too: nobody twice.
    again = office.post(reverse("notices:remind_logs"), follow=True)
    assert "已提醒 0 人；另有 3 人今天已提醒过。" in messages_of(again)
    client_as("unit_admin").post(reverse("notices:remind_logs"))
    assert Notification.objects.count() == 3
    assert Reminder.objects.count() == 3
    assert "今天已没有需要提醒的人" in office.get(reverse("notices:remind_logs")).content.decode()


def test_the_next_day_they_are_reminded_again(
    world: World, settings: Settings, client_as: Callable[[str], Client]
) -> None:
    settings.KAOHE_TODAY = MONDAY
    client_as("region_admin").post(reverse("notices:remind_logs"))
    settings.KAOHE_TODAY = MONDAY + dt.timedelta(days=1)
    client_as("region_admin").post(reverse("notices:remind_logs"))
    assert Notification.objects.filter(user=world.users["cadre"]).count() == 2


def test_a_unit_admin_reminds_their_units_only(
    world: World, monday: dt.date, client_as: Callable[[str], Client]
) -> None:
    client_as("unit_admin").post(reverse("notices:remind_logs"))
    assert reminded_users() == {"unit_head", "team_member", "cadre"}  # not the town's


@pytest.mark.parametrize("persona", ["cadre", "unit_head", "team_member", "supervisor"])
def test_only_admins_remind(
    world: World, monday: dt.date, client_as: Callable[[str], Client], persona: str
) -> None:
    client = client_as(persona)
    assert client.get(reverse("notices:remind_logs")).status_code == 404
    assert client.post(reverse("notices:remind_logs")).status_code == 404
    assert not Notification.objects.exists()


def test_the_compliance_page_offers_the_button_to_admins(
    world: World, monday: dt.date, client_as: Callable[[str], Client]
) -> None:
    url = reverse("notices:remind_logs")
    assert url in client_as("region_admin").get(reverse("worklogs:compliance")).content.decode()
    assert url not in client_as("unit_head").get(reverse("worklogs:compliance")).content.decode()


def test_votes_are_reminded_to_those_who_have_not_voted(
    big: World, q1: ReviewRound, settings: Settings, client_as: Callable[[str], Client]
) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 4, 3)
    Participation.objects.create(
        round=q1, unit=big.bureau, rater=big.people["b0"], submitted_on=dt.date(2026, 4, 2)
    )
    Notification.objects.all().delete()
    office = client_as("region_admin")
    url = reverse("notices:remind_votes", args=[q1.pk])
    assert url in office.get(reverse("reviews:round", args=[q1.pk])).content.decode()
    assert "提醒 11 人评分" in office.get(url, HTTP_HX_REQUEST="true").content.decode()
    response = office.post(url, follow=True)
    assert "已提醒 11 人；另有 0 人今天已提醒过。" in messages_of(response)
    assert "B00" not in reminded_users() and "B01" in reminded_users()
    assert "已提醒 0 人；另有 11 人今天已提醒过。" in messages_of(office.post(url, follow=True))
    assert client_as("other_admin").post(url).status_code == 404
    assert client_as("cadre").post(url).status_code == 404
    assert Notification.objects.count() == 11
