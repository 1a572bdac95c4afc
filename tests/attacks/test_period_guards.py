"""The period guards as an attacker would try them (issue 13): a ballot posted after
the round's end, a quarter computed while voting is open, the year computed in
December from three quarters, a publish without the confirmation page, a round
reopened under a confirmed quarter, a declaration for someone else's unit. Each is
refused through the pages, and nothing is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from kaohe.core.models import Notification
from kaohe.reviews.models import Participation, ReviewRound, RoundState
from kaohe.reviews.policies import ballot_sheet
from kaohe.reviews.tests.fixtures import bureau_unit
from kaohe.schemes.models import EntryDeclaration
from kaohe.scoring import guards
from kaohe.scoring import services as scoring_services
from kaohe.scoring.models import AnnualRun, QuarterResult, QuarterRun, RunState
from kaohe.scoring.tests.fixtures import declare_entries
from kaohe.testing import World

pytestmark = pytest.mark.django_db


def test_a_ballot_posted_after_the_end_is_refused(
    big: World, q1: ReviewRound, settings: Settings, client_as: Callable[[str], Client]
) -> None:
    ru = bureau_unit(q1, big)
    settings.KAOHE_TODAY = q1.ends_on + dt.timedelta(days=1)
    form = ballot_sheet(rater=big.people["b0"], round_unit=ru)
    assert form is not None
    data = {f"score_{key}": str(80 + i % 7) for i, (_p, _d, key) in enumerate(form.entries())}
    client = client_as("B00")
    url = reverse("reviews:ballot", args=[ru.pk])
    for action in ("submit", "draft"):
        response = client.post(url, {**data, "action": action}, follow=True)
        assert "2026-04-10 截止" in response.content.decode()
    assert not Participation.objects.exists()


def test_a_quarter_is_not_computed_while_voting_is_open(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    declare_entries(big, 2026, 1)
    response = client_as("region_admin").post(
        reverse("scoring:overview"), {"action": "quarter", "year": "2026", "quarter": "1"}
    )
    assert response.status_code in (200, 302)
    assert not QuarterRun.objects.exists()
    page = client_as("region_admin").get(reverse("scoring:overview")).content.decode()
    assert "仍在投票中" in page


def test_the_year_is_not_computed_from_three_quarters(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    QuarterRun.objects.filter(pk=graded.pk).update(state=RunState.PUBLISHED)
    client_as("region_admin").post(reverse("scoring:overview"), {"action": "year", "year": "2026"})
    assert not AnnualRun.objects.exists()


def test_publishing_without_confirming_publishes_nothing(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    office = big.users["region_admin"]
    QuarterResult.objects.filter(run=graded, tie=True).update(change_reason="经研究确定")
    scoring_services.quarter_confirm(actor=office, run=graded)
    client = client_as("region_admin")
    url = reverse("scoring:quarter_publish", args=[graded.pk])
    token = guards.publish_token(graded)
    attempts = [
        {},
        {"confirm": "yes"},
        {"token": token},
        {"confirm": "yes", "token": "0" * 32},
        {"confirm": "on", "token": token},
    ]
    for data in attempts:
        client.post(url, data)
    assert (
        client.post(reverse("scoring:quarter", args=[graded.pk]), {"action": "publish"}).status_code
        == 404
    )
    assert QuarterRun.objects.get(pk=graded.pk).state == RunState.CONFIRMED
    assert not Notification.objects.exists()
    # A unit head cannot reach the page at all, even with the right token.
    assert client_as("unit_head").post(url, {"confirm": "yes", "token": token}).status_code == 404
    assert QuarterRun.objects.get(pk=graded.pk).state == RunState.CONFIRMED


def test_a_round_under_a_confirmed_quarter_is_not_reopened_from_its_page(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    office = big.users["region_admin"]
    QuarterResult.objects.filter(run=graded, tie=True).update(change_reason="经研究确定")
    scoring_services.quarter_confirm(actor=office, run=graded)
    round_ = ReviewRound.objects.get(cadence="quarterly", number=1)
    response = client_as("region_admin").post(
        reverse("reviews:round", args=[round_.pk]),
        {"action": "reopen", "reason": "补投选票"},
        follow=True,
    )
    assert "请先重新打开该季度结果" in response.content.decode()
    assert ReviewRound.objects.get(pk=round_.pk).state == RoundState.CLOSED


def test_a_declaration_for_another_unit_or_region_is_404(
    world: World, client_as: Callable[[str], Client]
) -> None:
    town = reverse("schemes:entry_declare", args=[world.town.pk, 2026, 1])
    foreign = reverse("schemes:entry_declare", args=[world.foreign_unit.pk, 2026, 1])
    assert client_as("unit_head").post(town, {"reason": "本季度无任务"}).status_code == 404
    assert client_as("region_admin").post(foreign, {"reason": "本季度无任务"}).status_code == 404
    assert client_as("other_admin").post(town, {"reason": "本季度无任务"}).status_code == 404
    assert not EntryDeclaration.objects.exists()
