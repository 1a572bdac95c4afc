"""The demo county's work records: working days only, inside memberships, off leave,
with a realistic share missing, backfilled and still open."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import chinese_calendar
import pytest
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from kaohe.accounts.models import User
from kaohe.core.models import AuditEvent
from kaohe.demo.org import generate_demo
from kaohe.demo.worklogs import DemoLogsResult, generate_demo_logs
from kaohe.org.models import Leave, Membership, Region, Unit
from kaohe.worklogs.compliance import compliance_report
from kaohe.worklogs.models import LogComment, LogRead, Summary, SummaryKind, Timeliness, WorkLog
from kaohe.worklogs.policies import policy_for

YEAR = 2026
# A Thursday: four months of logs keep the module fast and close the first quarter.
TODAY = dt.date(2026, 4, 30)
YESTERDAY = dt.date(2026, 4, 29)
FIRST = dt.date(YEAR, 1, 1)
BACKFILL_WORKDAYS = 5  # the default policy
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@dataclass(frozen=True)
class Loaded:
    region: Region
    result: DemoLogsResult


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Loaded]:
    """Generate the county and its logs once for the module, rolled back at the end:
    it takes seconds, and the tests here only read."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=[FAST_HASHER]),
        transaction.atomic(),
    ):
        demo = generate_demo(year=YEAR)
        result = generate_demo_logs(region_id=demo.region_id, year=YEAR, today=TODAY)
        yield Loaded(Region.objects.get(pk=demo.region_id), result)
        transaction.set_rollback(True)


def stretches(region: Region) -> dict[int, list[tuple[int, dt.date, dt.date]]]:
    """Each person's in-scope (unit, first, last) stretches within the logged range."""
    out: dict[int, list[tuple[int, dt.date, dt.date]]] = defaultdict(list)
    for person_id, unit_id, a, b in (
        Membership.objects.filter(region=region)
        .overlapping(FIRST, TODAY)
        .in_scope()
        .values_list("person_id", "unit_id", "valid_from", "valid_to")
    ):
        out[person_id].append((unit_id, max(a, FIRST), min(b or TODAY, TODAY)))
    return out


def leaves_of(region: Region) -> dict[int, list[tuple[dt.date, dt.date]]]:
    out: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for person_id, a, b in Leave.objects.filter(region=region).values_list(
        "person_id", "start", "end"
    ):
        out[person_id].append((a, b))
    return out


@pytest.mark.django_db
def test_logs_only_on_working_days(loaded: Loaded) -> None:
    days = set(WorkLog.objects.filter(region=loaded.region).values_list("day", flat=True))
    assert days, "no logs were written"
    assert all(chinese_calendar.is_workday(day) for day in days)
    assert max(days) <= TODAY
    # Holidays and weekends get none; the weekend days worked in lieu (调休) do.
    for holiday in (dt.date(2026, 1, 1), dt.date(2026, 2, 17), dt.date(2026, 4, 6)):
        assert holiday not in days
    assert dt.date(2026, 1, 10) not in days  # a plain Saturday
    assert dt.date(2026, 1, 4) in days  # Sunday, worked for the New Year holiday
    assert dt.date(2026, 2, 14) in days  # Saturday, worked for the Spring Festival
    workdays = {
        FIRST + dt.timedelta(days=i)
        for i in range((TODAY - FIRST).days + 1)
        if chinese_calendar.is_workday(FIRST + dt.timedelta(days=i))
    }
    assert days == workdays


@pytest.mark.django_db
def test_logs_stay_inside_memberships_and_off_leave(loaded: Loaded) -> None:
    by_person = stretches(loaded.region)
    leaves = leaves_of(loaded.region)
    assert len(leaves) == loaded.result.leaves >= 10
    for person_id, unit_id, day in WorkLog.objects.filter(region=loaded.region).values_list(
        "person_id", "unit_id", "day"
    ):
        assert any(u == unit_id and a <= day <= b for u, a, b in by_person[person_id]), (
            person_id,
            day,
        )
        assert not any(a <= day <= b for a, b in leaves.get(person_id, [])), (person_id, day)
    # Leave fell on working days the people owed logs for, so they skipped some.
    assert loaded.result.leave_days > 0


@pytest.mark.django_db
def test_missing_share_is_realistic(loaded: Loaded) -> None:
    """Measured with the compliance report the pages use, which knows nothing of the
    generator: days due and days written, less leave."""
    report = compliance_report(
        region_id=loaded.region.pk,
        units=Unit.objects.filter(region=loaded.region),
        start=FIRST,
        end=TODAY,
        today=TODAY,
        policy=policy_for(loaded.region.pk),
    )
    total = report.total
    assert total.expected > 50_000
    share = total.missing / total.expected
    assert 0.03 <= share <= 0.08, share
    assert total.missing == loaded.result.missing
    assert 0.05 <= total.backfilled / total.written <= 0.11
    assert total.pending > 0


@pytest.mark.django_db
def test_counts_match_the_rows(loaded: Loaded) -> None:
    logs = WorkLog.objects.filter(region=loaded.region)
    result = loaded.result
    assert result.created
    assert logs.count() == result.logs == result.on_time + result.backfilled
    assert logs.filter(timeliness=Timeliness.BACKFILLED).count() == result.backfilled > 0
    # A log written on its own day cannot be late.
    assert not logs.filter(day=TODAY, timeliness=Timeliness.BACKFILLED).exists()
    # Written by hand-made INSERTs: the values must read back as the ORM writes them.
    sample = logs.order_by("pk").first()
    assert sample is not None
    assert sample.created_at.tzinfo is not None
    assert isinstance(sample.day, dt.date)
    assert sample.revision_count == 0
    duplicates = logs.values("person_id", "day").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()
    event = AuditEvent.objects.get(region=loaded.region, action="worklogs.demo.load")
    assert event.details["logs"] == result.logs


@pytest.mark.django_db
def test_texts_are_varied_and_within_limits(loaded: Loaded) -> None:
    policy = policy_for(loaded.region.pk)
    contents = list(WorkLog.objects.filter(region=loaded.region).values_list("content", flat=True))
    lengths = [len(c) for c in contents]
    assert min(lengths) >= max(10, policy.log_min_chars)
    assert max(lengths) <= min(300, policy.log_max_chars)
    assert 30 <= sum(lengths) / len(lengths) <= 80
    assert len(set(contents)) > 0.5 * len(contents)
    police = WorkLog.objects.filter(region=loaded.region, unit__name="区公安分局").first()
    assert police is not None
    assert any(word in police.content for word in ("巡逻", "案", "警", "治安", "反诈", "走访"))


@pytest.mark.django_db
def test_the_backfill_window_is_partly_open(loaded: Loaded) -> None:
    window = [TODAY]
    day = TODAY
    while len(window) <= BACKFILL_WORKDAYS:
        day -= dt.timedelta(days=1)
        if chinese_calendar.is_workday(day):
            window.append(day)
    assert window[1] == YESTERDAY
    due = Membership.objects.filter(region=loaded.region).on(TODAY).in_scope().count()
    written = dict(
        WorkLog.objects.filter(region=loaded.region, day__in=window)
        .values_list("day")
        .annotate(n=Count("id"))
    )
    # Today is far from fully written; older open days are mostly caught up.
    assert 0.3 * due < written[TODAY] < 0.7 * due
    assert written[YESTERDAY] < 0.9 * due
    assert written[window[-1]] > written[YESTERDAY]
    assert loaded.result.open_unwritten > 0


@pytest.mark.django_db
def test_cadre_persona_can_write_today_and_backfill_yesterday(loaded: Loaded) -> None:
    user = User.objects.get(username="cadre")
    assert user.person_id is not None
    logs = WorkLog.objects.filter(person_id=user.person_id)
    assert not logs.filter(day__in=[YESTERDAY, TODAY]).exists()
    assert logs.filter(day__lt=YESTERDAY).count() > 40
    # They owe those logs: in an assessed position, not on leave.
    for day in (YESTERDAY, TODAY):
        assert Membership.objects.filter(person_id=user.person_id).on(day).in_scope().exists()
    assert not Leave.objects.filter(person_id=user.person_id).exists()


@pytest.mark.django_db
def test_quarterly_summaries_for_quarters_over(loaded: Loaded) -> None:
    summaries = Summary.objects.filter(region=loaded.region)
    assert set(summaries.values_list("kind", "year", "quarter").distinct()) == {
        (SummaryKind.QUARTERLY, YEAR, 1)
    }
    in_scope = set(
        Membership.objects.filter(region=loaded.region)
        .overlapping(FIRST, dt.date(YEAR, 3, 31))
        .in_scope()
        .values_list("person_id", flat=True)
    )
    written = set(summaries.values_list("person_id", flat=True))
    assert written <= in_scope
    assert 0.9 <= len(written) / len(in_scope) < 1
    assert summaries.count() == loaded.result.quarterly_summaries
    lengths = [len(c) for c in summaries.values_list("content", flat=True)]
    assert min(lengths) >= 150
    assert max(lengths) <= 260


@pytest.mark.django_db
def test_reads_and_comments_come_from_other_people(loaded: Loaded) -> None:
    reads = LogRead.objects.filter(log__region=loaded.region).select_related("log", "reader")
    assert reads.count() == loaded.result.reads > 0
    for read in reads[:100]:
        assert read.reader.person_id != read.log.person_id
    assert LogComment.objects.filter(log__region=loaded.region).count() == loaded.result.comments


@pytest.mark.django_db
def test_second_run_creates_nothing(loaded: Loaded) -> None:
    before = (WorkLog.objects.count(), Summary.objects.count(), Leave.objects.count())
    again = generate_demo_logs(region_id=loaded.region.pk, year=YEAR, today=TODAY)
    assert not again.created
    assert again.logs == again.leaves == again.quarterly_summaries == 0
    assert (WorkLog.objects.count(), Summary.objects.count(), Leave.objects.count()) == before
    assert AuditEvent.objects.filter(action="worklogs.demo.load").count() == 1


@pytest.mark.django_db
def test_monthly_tallies_equal_a_recount(loaded: Loaded) -> None:
    """The demo writes logs in bulk (COPY on PostgreSQL): the triggers count them too."""
    from kaohe.worklogs import tallies

    assert len(tallies.stored(loaded.region.pk)) > 1000
    assert tallies.differences(loaded.region.pk) == []
