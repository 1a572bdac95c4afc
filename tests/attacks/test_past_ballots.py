"""A past round's ballot is no door into a unit's records (issue 12, item 8).

A cadre rated their bureau in Q1, the round closed, and they moved to 城关镇; the
record page of the Q1 ballot (`/reviews/ballots/<round unit>/people/<person>/`)
still showed the bureau's logs and summaries, and the ballot page still opened.
Both are now for the raters of an open round only: anything else is a 404, as for
a ballot the user does not hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.org import services as org_services
from kaohe.org.models import LeadershipRole, MembershipStatus
from kaohe.reviews import policies, services
from kaohe.reviews.models import ReviewRound
from kaohe.reviews.tests.fixtures import bureau_unit
from kaohe.testing import World
from kaohe.worklogs.services import worklog_submit

pytestmark = pytest.mark.django_db

LOG = "三月审核就业见习补贴台账共四十二份"


def _rate_as_b00(world: World, round_: ReviewRound) -> None:
    ru = bureau_unit(round_, world)
    sheet = policies.ballot_sheet(rater=world.people["b0"], round_unit=ru)
    assert sheet is not None
    values = {str(p.pk): 75 + i % 7 for i, p in enumerate(sheet.targets)}
    services.ballot_submit(actor=world.users["B00"], round_unit=ru, values=values)


def _move_to_town(world: World, key: str, day: dt.date) -> None:
    org_services.membership_change(
        actor=None,
        person=world.people[key],
        unit=world.town,
        rank_level=world.rank("一级科员"),
        personnel_category=world.category(),
        leadership_role=LeadershipRole.STAFF,
        status=MembershipStatus.ON_DUTY,
        valid_from=day,
    )


def test_a_moved_cadre_cannot_read_the_old_units_records_through_a_closed_round(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    world = big
    target = world.people["b1"]
    worklog_submit(
        actor=world.users["B01"], day=dt.date(2026, 3, 10), content=LOG, today=dt.date(2026, 3, 10)
    )
    ru = bureau_unit(q1, world)
    record = reverse("reviews:record", args=[ru.pk, target.pk])
    ballot = reverse("reviews:ballot", args=[ru.pk])
    client = client_as("B00")
    # While voting is open the rater reads what they judge by.
    open_page = client.get(record)
    assert open_page.status_code == 200 and LOG in open_page.content.decode()

    _rate_as_b00(world, q1)
    services.round_close(actor=world.users["region_admin"], round_=q1)
    _move_to_town(world, "b0", dt.date(2026, 5, 1))

    closed = client.get(record)
    assert closed.status_code == 404 and LOG not in closed.content.decode()
    assert client.get(ballot).status_code == 404
    assert client.post(ballot, {"action": "draft"}).status_code == 404


def test_a_ballot_opens_only_while_its_round_is_open(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    world = big
    draft = services.round_create(
        actor=world.users["region_admin"],
        region=world.region,
        year=2026,
        number=2,
        starts_on=dt.date(2026, 7, 1),
        ends_on=dt.date(2026, 7, 10),
    )
    client = client_as("B00")
    target = world.people["b1"]
    for round_ in (draft, q1):
        ru = bureau_unit(round_, world)
        expected = 200 if round_ == q1 else 404
        assert client.get(reverse("reviews:ballot", args=[ru.pk])).status_code == expected
        record = reverse("reviews:record", args=[ru.pk, target.pk])
        assert client.get(record).status_code == expected
    services.round_close(actor=world.users["region_admin"], round_=q1)
    ru = bureau_unit(q1, world)
    assert client.get(reverse("reviews:ballot", args=[ru.pk])).status_code == 404
