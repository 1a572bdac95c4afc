"""The year's facts (guards.YearFacts) read in a fixed number of queries what the
guards used to read period by period and round by round, and read the same."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from kaohe.org.models import Membership
from kaohe.reviews import services as review_services
from kaohe.reviews.models import ReviewRound
from kaohe.schemes.selectors import entry_states
from kaohe.scoring import guards
from kaohe.scoring.tests.fixtures import declare_entries
from kaohe.testing import World
from kaohe.worklogs.rules import Period
from kaohe.worklogs.tests.conftest import place

pytestmark = pytest.mark.django_db


def one_day(region_id: int, day: dt.date) -> dict[int, int]:
    """Each unit's cadres in scope on one day, read the plain way."""
    return dict(
        Membership.objects.filter(region_id=region_id)
        .on(day)
        .in_scope()
        .order_by()
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )


def a_round(world: World, number: int) -> ReviewRound:
    start = dt.date(2026, 3 * number + 1, 1) if number < 4 else dt.date(2027, 1, 1)
    return review_services.round_create(
        actor=world.users["region_admin"],
        region=world.region,
        year=2026,
        number=number,
        starts_on=start,
        ends_on=start + dt.timedelta(days=9),
    )


def test_it_reads_each_day_and_quarter_as_the_plain_reads_do(big: World) -> None:
    # Someone joins in May: counted at the end of Q2 onwards, not at the end of Q1.
    place(big, "新来", "N01", dt.date(2026, 5, 1))
    declare_entries(big, 2026, 2)
    rounds = [a_round(big, 1), a_round(big, 2)]
    facts = guards.YearFacts(big.region.pk, 2026)
    for q in range(1, 5):
        end = Period(2026, q).end
        assert facts.head_counts[end] == one_day(big.region.pk, end)
        assert facts.assessed(Period(2026, q)) == set(one_day(big.region.pk, end))
        assert facts.entries[q] == entry_states(big.region.pk, 2026, q)
    q1_end, q2_end = Period(2026, 1).end, Period(2026, 2).end
    assert facts.head_counts[q2_end][big.bureau.pk] == facts.head_counts[q1_end][big.bureau.pk] + 1
    for r in rounds:
        counts = facts.turnouts[r.pk].by_unit
        members = one_day(big.region.pk, r.period_end)
        assert counts[big.bureau.pk] == (0, members[big.bureau.pk])


def test_its_queries_do_not_grow_with_the_rounds_of_the_year(big: World) -> None:
    a_round(big, 1)

    def read() -> int:
        with CaptureQueriesContext(connection) as queries:
            facts = guards.YearFacts(big.region.pk, 2026)
            assert facts.turnouts and facts.entries
            for q in range(1, 5):
                guards.quarter_blockers(big.region.pk, 2026, q, facts)
            guards.annual_blockers(big.region.pk, 2026, facts)
        return len(queries.captured_queries)

    one = read()
    for number in (2, 3, 4):
        a_round(big, number)
    assert read() == one
