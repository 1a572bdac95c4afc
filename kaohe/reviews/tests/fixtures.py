from __future__ import annotations

import datetime as dt

import pytest
from pytest_django.fixtures import Settings

from kaohe.accounts.models import User
from kaohe.reviews import services
from kaohe.reviews.models import BallotBox, ReviewRound, RoundUnit
from kaohe.reviews.seal import Entry, unseal
from kaohe.testing import PASSWORD, World
from kaohe.worklogs.tests.conftest import place

STAFF = ["周敏", "吴刚", "郑爽", "冯涛", "陈晨", "褚磊", "卫东", "蒋芳", "沈阳"]


@pytest.fixture
def big(world: World) -> World:
    """The bureau grows to 12 assessed cadres (1 main leader, 1 team member, 10 staff);
    every newcomer gets a login named after their staff number."""
    for i, name in enumerate(STAFF):
        person = place(world, name, f"B{i:02d}", dt.date(2026, 1, 1))
        world.people[f"b{i}"] = person
        world.users[f"B{i:02d}"] = User.objects.create_user(
            username=f"B{i:02d}", password=PASSWORD, region=world.region, person=person
        )
    return world


VOTING_DAY = dt.date(2026, 4, 5)  # inside q1's voting days


@pytest.fixture
def q1(big: World, settings: Settings) -> ReviewRound:
    """Q1's round, open; the application's today is a voting day of it (ballots are
    taken only between the round's start and end)."""
    settings.KAOHE_TODAY = VOTING_DAY
    round_ = services.round_create(
        actor=big.users["region_admin"],
        region=big.region,
        year=2026,
        number=1,
        starts_on=dt.date(2026, 4, 1),
        ends_on=dt.date(2026, 4, 10),
    )
    services.round_open(actor=big.users["region_admin"], round_=round_)
    return round_


def bureau_unit(round_: ReviewRound, world: World) -> RoundUnit:
    return RoundUnit.objects.get(round=round_, unit=world.bureau)


def folded(round_: ReviewRound) -> dict[tuple[int, str, str], Entry]:
    """What an open round holds, opened with the key as a close would: per (target,
    aspect, group) the running tally."""
    entries: dict[tuple[int, str, str], Entry] = {}
    for box in BallotBox.objects.filter(round=round_):
        tally = unseal(box.sealed, round_id=round_.pk, unit_id=box.unit_id, group=box.rater_group)
        for (target, aspect), entry in tally.entries.items():
            entries[(target, aspect, box.rater_group)] = entry
    return entries
