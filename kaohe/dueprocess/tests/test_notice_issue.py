"""The written notice is issued when the year is published (R5.12): one per archived
cadre, after the archive, in bulk with a fixed number of queries; a republish issues
new notices that supersede the old, which keep their text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings

from kaohe.accounts.models import User
from kaohe.core.models import Notification
from kaohe.dueprocess import services
from kaohe.dueprocess.models import DueProcessPolicy, Notice
from kaohe.dueprocess.signals import _on_year_published as notice_receiver
from kaohe.dueprocess.tests.notice_helpers import issued, notice_of, published_year
from kaohe.outcomes.models import YearRecord
from kaohe.outcomes.signals import _on_year_published as archive_receiver
from kaohe.scoring import guards
from kaohe.scoring import services as scoring
from kaohe.scoring.models import AnnualRun, QuarterRun
from kaohe.scoring.signals import year_published
from kaohe.scoring.tests.fixtures import year_ready
from kaohe.scoring.tests.test_annual import publish_quarters
from kaohe.testing import World, publicity_not_required

pytestmark = pytest.mark.django_db


def _receivers() -> list[object]:
    return [r[1]() for r in year_published.receivers]


def test_the_notice_receiver_runs_after_the_archive() -> None:
    receivers = _receivers()
    assert receivers.index(archive_receiver) < receivers.index(notice_receiver)


def test_publishing_issues_a_notice_per_archived_cadre_and_a_republish_supersedes(
    big: World, graded: QuarterRun
) -> None:
    publish_quarters(big, graded)
    year_ready(big)
    publicity_not_required(big.region)  # the notices, not the 公示 before them
    office = big.users["region_admin"]
    run = scoring.annual_compute(actor=office, region=big.region, year=2026)
    scoring.annual_publish(actor=office, run=run, confirmation=guards.publish_token(run))
    records = {r.person_id: r for r in YearRecord.objects.filter(year=2026)}
    notices = list(Notice.objects.filter(year=2026))
    assert len(notices) == len(records) > 10
    for n in notices:
        record = records[n.person_id]
        assert n.record_id == record.pk and n.grade == record.grade
        assert n.composite == record.composite and n.unit_id == record.unit_id
        assert n.explanation.startswith("年度综合得分")
        assert n.sign_due_on > n.issued_on and n.review_due_on is not None
    old = notices[0]
    new_run = scoring.annual_reopen(actor=office, run=run, reason="补录单位年度考核结果")
    scoring.annual_publish(actor=office, run=new_run, confirmation=guards.publish_token(new_run))
    old.refresh_from_db()
    assert old.superseded_by_id is not None
    newer = Notice.objects.get(pk=old.superseded_by_id)
    assert newer.person_id == old.person_id and newer.superseded_by_id is None
    assert old.explanation == notices[0].explanation  # the old text kept
    assert Notice.objects.filter(year=2026, superseded_by__isnull=True).count() == len(records)


def _issue_queries(run: AnnualRun) -> int:
    with CaptureQueriesContext(connection) as queries:
        services.notices_issue(actor=None, run=run)
    return len(queries)


def test_issuing_costs_the_same_queries_at_two_sizes(world: World) -> None:
    issued(world, year=2024)  # warms the region's cached figures and calendar
    few = _issue_queries(published_year(world, 2025, extra=2, prefix="A"))
    many = _issue_queries(published_year(world, 2027, extra=40, prefix="B"))
    assert Notice.objects.filter(year=2027).count() == 44
    assert few == many


def test_the_cadre_is_reminded_with_the_sign_by_day(world: World) -> None:
    issued(world)
    cadre: User = world.users["cadre"]
    notice = notice_of(world, "cadre")
    text = Notification.objects.filter(user=cadre).latest("pk").text
    due = notice.sign_due_on
    assert f"请在{due.year}年{due.month}月{due.day}日前签收" in text


def test_the_sign_by_day_moves_past_a_holiday(world: World, settings: Settings) -> None:
    # Issued on Monday 2026-09-28: 5 days end on 10-03, in National Day (10-01..10-07);
    # the last day is the first working day after it. The 复核's 30 days end 10-28.
    settings.KAOHE_TODAY = dt.date(2026, 9, 28)
    issued(world)
    notice = notice_of(world, "cadre")
    assert notice.issued_on == dt.date(2026, 9, 28)
    assert notice.sign_due_on == dt.date(2026, 10, 8)
    assert notice.review_due_on == dt.date(2026, 10, 28)
    assert notice.appeal_direct_due_on is None


def test_a_region_allowing_a_direct_appeal_gets_its_deadline(world: World) -> None:
    DueProcessPolicy.objects.create(
        region=world.region, appeal_direct_allowed=True, notice_sign_days=7
    )
    issued(world)
    notice = notice_of(world, "cadre")
    assert notice.appeal_direct_due_on is not None
    assert (notice.sign_due_on - notice.issued_on).days >= 7
