"""Ballots only between the round's start and end; the office extends the end with a
reason (issue 13)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from kaohe.accounts.errors import AccountErrorCode
from kaohe.core.models import AuditEvent
from kaohe.reviews import services
from kaohe.reviews.errors import ReviewErrorCode
from kaohe.reviews.models import Participation, ReviewRound, RoundState
from kaohe.reviews.selectors import round_history
from kaohe.reviews.tests.fixtures import bureau_unit
from kaohe.reviews.tests.test_rounds import ballot
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "words"),
    [(dt.date(2026, 3, 31), "2026-04-01 开始"), (dt.date(2026, 4, 11), "2026-04-10 截止")],
)
def test_ballots_outside_the_voting_days_are_refused(
    big: World, q1: ReviewRound, settings: Settings, day: dt.date, words: str
) -> None:
    settings.KAOHE_TODAY = day
    ru = bureau_unit(q1, big)
    values = ballot(big, "B00", ru)
    with refused(ReviewErrorCode.OUTSIDE_VOTING_DAYS, match=words):
        services.ballot_save_draft(actor=big.users["B00"], round_unit=ru, values=values)
    with refused(ReviewErrorCode.OUTSIDE_VOTING_DAYS, match=words):
        services.ballot_submit(actor=big.users["B00"], round_unit=ru, values=values)
    assert not Participation.objects.exists()


def test_the_first_and_last_days_take_ballots(
    big: World, q1: ReviewRound, settings: Settings
) -> None:
    ru = bureau_unit(q1, big)
    for day, key in ((q1.starts_on, "B00"), (q1.ends_on, "B01")):
        settings.KAOHE_TODAY = day
        services.ballot_submit(actor=big.users[key], round_unit=ru, values=ballot(big, key, ru))
    assert Participation.objects.count() == 2


def test_the_office_extends_the_end_with_a_reason(
    big: World, q1: ReviewRound, settings: Settings
) -> None:
    office = big.users["region_admin"]
    settings.KAOHE_TODAY = dt.date(2026, 4, 12)
    with refused(ReviewErrorCode.EXTEND_NEEDS_REASON):
        services.round_extend(actor=office, round_=q1, ends_on=dt.date(2026, 4, 15), reason="")
    with refused(ReviewErrorCode.EXTEND_NOT_LATER):
        services.round_extend(
            actor=office, round_=q1, ends_on=dt.date(2026, 4, 9), reason="部分人员出差"
        )
    with refused(AccountErrorCode.NOT_REGION_OFFICE):
        services.round_extend(
            actor=big.users["unit_admin"],
            round_=q1,
            ends_on=dt.date(2026, 4, 15),
            reason="部分人员出差",
        )
    services.round_extend(
        actor=office, round_=q1, ends_on=dt.date(2026, 4, 15), reason="部分人员出差"
    )
    q1.refresh_from_db()
    assert q1.ends_on == dt.date(2026, 4, 15)
    # One row per change: the extension is the round's history and its audit row at once.
    audit = AuditEvent.objects.get(action="reviews.round.extend")
    assert audit.details["to"] == "2026-04-15" and audit.details["reason"] == "部分人员出差"
    event = round_history(q1)[-1]
    assert event.state == RoundState.OPEN and "2026-04-15" in event.note
    assert "部分人员出差" in event.note
    ru = bureau_unit(q1, big)
    services.ballot_submit(actor=big.users["B00"], round_unit=ru, values=ballot(big, "B00", ru))
    assert Participation.objects.count() == 1


def test_a_closed_round_is_not_extended(big: World, q1: ReviewRound) -> None:
    office = big.users["region_admin"]
    services.round_close(actor=office, round_=q1)
    with refused(ReviewErrorCode.EXTEND_NOT_OPEN):
        services.round_extend(
            actor=office, round_=q1, ends_on=dt.date(2026, 5, 1), reason="部分人员出差"
        )


def test_the_round_page_extends_and_says_voting_is_over(
    big: World, q1: ReviewRound, settings: Settings, client_as: Callable[[str], Client]
) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 4, 12)
    client = client_as("region_admin")
    url = reverse("reviews:round", args=[q1.pk])
    page = client.get(url).content.decode()
    assert 'id="extend-form"' in page and "2026-04-10 截止" in page
    response = client.post(
        url, {"action": "extend", "ends_on": "bad", "extend_reason": "出差"}, follow=True
    )
    assert "请填写新的投票截止日期" in response.content.decode()
    response = client.post(
        url,
        {"action": "extend", "ends_on": "2026-04-20", "extend_reason": "部分人员出差"},
        follow=True,
    )
    page = response.content.decode()
    assert "投票截止日期已改为 2026-04-20" in page and "部分人员出差" in page
    assert ReviewRound.objects.get(pk=q1.pk).ends_on == dt.date(2026, 4, 20)
    # A unit admin sees the round's progress but cannot extend it.
    client_as("unit_admin").post(
        url, {"action": "extend", "ends_on": "2026-05-20", "extend_reason": "部分人员出差"}
    )
    assert ReviewRound.objects.get(pk=q1.pk).ends_on == dt.date(2026, 4, 20)


def test_the_ballot_page_says_when_voting_is_over_before_it_is_filled_in(
    big: World, q1: ReviewRound, settings: Settings, client_as: Callable[[str], Client]
) -> None:
    url = reverse("reviews:ballot", args=[bureau_unit(q1, big).pk])
    page = client_as("B00").get(url).content.decode()
    assert "投票时间 2026-04-01 至 2026-04-10" in page and 'id="voting-days"' not in page
    settings.KAOHE_TODAY = dt.date(2026, 4, 11)
    page = client_as("B00").get(url).content.decode()
    assert 'id="voting-days"' in page and "2026-04-10 截止" in page
