"""The archive freezes at publish (R6.1): one YearRecord per result, written by the
receiver of scoring's year_published in the publishing transaction; a reopen and a
second publish make recorded corrections, never silent changes."""

from __future__ import annotations

from collections import Counter

import pytest

from kaohe.accounts.errors import AccountErrorCode
from kaohe.core.audit_actions import AuditAction
from kaohe.core.models import AuditEvent
from kaohe.outcomes import services
from kaohe.outcomes.errors import OutcomesErrorCode
from kaohe.outcomes.models import RecordSource, YearRecord, YearRecordCorrection
from kaohe.scoring import guards
from kaohe.scoring import services as scoring
from kaohe.scoring.models import AnnualResult, AnnualRun, QuarterResult, QuarterRun, RunState
from kaohe.scoring.tests.fixtures import year_ready
from kaohe.scoring.tests.test_annual import publish_quarters
from kaohe.testing import World, publicity_not_required, refused

pytestmark = pytest.mark.django_db


def publish(world: World, run: AnnualRun) -> None:
    publicity_not_required(world.region)
    scoring.annual_publish(
        actor=world.users["region_admin"], run=run, confirmation=guards.publish_token(run)
    )


@pytest.fixture
def published(big: World, graded: QuarterRun) -> AnnualRun:
    """The year of the big world computed from four published quarters and published."""
    publish_quarters(big, graded)
    year_ready(big)
    run = scoring.annual_compute(actor=big.users["region_admin"], region=big.region, year=2026)
    publish(big, run)
    return run


def test_publishing_the_year_freezes_one_record_per_result(
    big: World, published: AnnualRun
) -> None:
    results = list(AnnualResult.objects.filter(run=published))
    records = {r.person_id: r for r in YearRecord.objects.filter(year=2026)}
    assert len(records) == len(results) > 10
    tiers = Counter(r.tier for r in results)
    units = Counter(r.unit_id for r in results)
    quarter_runs = list(
        QuarterRun.objects.filter(year=2026, state=RunState.PUBLISHED).order_by("quarter")
    )
    assert [q.quarter for q in quarter_runs] == [1, 2, 3, 4]
    for result in results:
        record = records[result.person_id]
        assert record.source == RecordSource.KAOHE and record.run_id == published.pk
        assert record.region_id == big.region.pk and record.unit_id == result.unit_id
        assert (record.composite, record.grade, record.tier) == (
            result.composite,
            result.grade,
            result.tier,
        )
        assert record.rank_in_tier == result.rank_in_tier
        assert record.tier_size == tiers[result.tier]
        assert record.unit_size == units[result.unit_id]
        # Rank in the unit by composite, ties sharing a rank: one more than those above.
        above = sum(
            1 for o in results if o.unit_id == result.unit_id and o.composite > result.composite
        )
        assert record.rank_in_unit == above + 1
        assert record.quarter_grades == [
            QuarterResult.objects.get(run=q, person_id=result.person_id).grade for q in quarter_runs
        ]
        assert record.priority == result.priority
    cadre = records[big.people["cadre"].pk]
    assert cadre.unit_name == "区人力资源和社会保障局" and cadre.post == "科员"
    assert (
        AuditEvent.objects.filter(action=AuditAction.OUTCOMES_YEAR_ARCHIVE).count() == 1
    )  # one row for the batch


def test_a_reopen_and_second_publish_make_corrections_not_silent_changes(
    big: World, published: AnnualRun
) -> None:
    admin = big.users["region_admin"]
    excellent = YearRecord.objects.filter(year=2026, grade="excellent").first()
    assert excellent is not None
    frozen_at = excellent.frozen_at
    before = {r.person_id: r for r in YearRecord.objects.filter(year=2026)}
    # A veto entered after publishing: the year is reopened and computed again.
    scoring.flag_record(
        actor=admin, person_id=excellent.person_id, year=2026, kind="veto", reason="受到通报批评"
    )
    new_run = scoring.annual_reopen(actor=admin, run=published, reason="复核决定：补录否决情形")
    publish(big, new_run)

    assert YearRecord.objects.filter(year=2026).count() == len(before)  # none added, none lost
    record = YearRecord.objects.get(pk=excellent.pk)
    assert record.grade != "excellent"
    assert record.run_id == new_run.pk and record.frozen_at == frozen_at
    grade_fix = YearRecordCorrection.objects.get(record=record, field="grade")
    assert (grade_fix.old_value, grade_fix.new_value) == ("excellent", record.grade)
    assert grade_fix.basis == "复核决定：补录否决情形"
    # Every changed figure has its correction; an unchanged record has none.
    for person_id, old in before.items():
        now = YearRecord.objects.get(pk=old.pk)
        fixes = {c.field: c for c in YearRecordCorrection.objects.filter(record=now).order_by("pk")}
        for field in services.ARCHIVED_FIELDS:
            if getattr(old, field) != getattr(now, field):
                assert fixes[field].old_value == services.archived_text(field, getattr(old, field))
                assert fixes[field].new_value == services.archived_text(field, getattr(now, field))
            else:
                assert field not in fixes, (person_id, field)
    assert AuditEvent.objects.filter(action=AuditAction.OUTCOMES_YEAR_ARCHIVE).count() == 2


def test_a_recorded_correction_keeps_the_old_value_and_is_audited(
    big: World, published: AnnualRun
) -> None:
    record = YearRecord.objects.get(person=big.people["cadre"], year=2026)
    old_grade = record.grade
    new_grade = "basic" if old_grade != "basic" else "competent"
    with refused(OutcomesErrorCode.CORRECTION_BAD_FIELD):
        services.year_record_correct(
            actor=big.users["region_admin"],
            record=record,
            field="person",
            value="1",
            reason="复核决定",
            basis="",
        )
    with refused(OutcomesErrorCode.CORRECTION_NEEDS_REASON):
        services.year_record_correct(
            actor=big.users["region_admin"],
            record=record,
            field="grade",
            value=new_grade,
            reason=" ",
            basis="",
        )
    with refused(OutcomesErrorCode.CORRECTION_BAD_VALUE):
        services.year_record_correct(
            actor=big.users["region_admin"],
            record=record,
            field="grade",
            value="great",
            reason="复核决定改变等次",
            basis="",
        )
    with refused(OutcomesErrorCode.CORRECTION_BAD_VALUE):
        services.year_record_correct(
            actor=big.users["region_admin"],
            record=record,
            field="composite",
            value="abc",
            reason="复核决定改变分数",
            basis="",
        )
    with refused(OutcomesErrorCode.CORRECTION_UNCHANGED):
        services.year_record_correct(
            actor=big.users["region_admin"],
            record=record,
            field="grade",
            value=old_grade,
            reason="复核决定改变等次",
            basis="",
        )
    with refused(AccountErrorCode.NOT_REGION_OFFICE):
        services.year_record_correct(
            actor=big.users["unit_head"],
            record=record,
            field="grade",
            value=new_grade,
            reason="复核决定改变等次",
            basis="",
        )
    fix = services.year_record_correct(
        actor=big.users["region_admin"],
        record=record,
        field="grade",
        value=new_grade,
        reason="复核决定改变等次",
        basis="复核决定 2027-03-02",
    )
    record.refresh_from_db()
    assert record.grade == new_grade
    assert (fix.old_value, fix.new_value, fix.actor) == (
        old_grade,
        new_grade,
        big.users["region_admin"],
    )
    event = AuditEvent.objects.get(action=AuditAction.OUTCOMES_YEAR_CORRECT)
    assert event.details == {"field": "grade", "old": old_grade, "new": new_grade}


def test_publishing_the_year_derives_its_lists_and_consequences_from_the_archive(
    big: World, published: AnnualRun
) -> None:
    """One receiver, in order: the archive, then the lists and the consequences read
    from it in the same transaction — the year's last in each unit has a 提醒谈话, each
    优秀 a 嘉奖, and the archive page shows both."""
    from kaohe.outcomes.lists import list_q
    from kaohe.outcomes.models import ConsequenceKind, ConsequenceTask
    from kaohe.outcomes.rules import ListKind, ListPolicy
    from kaohe.outcomes.selectors import archive_view

    records = list(YearRecord.objects.filter(year=2026))
    excellent = [r for r in records if r.grade == "excellent"]
    last = [
        r for r in records if r.unit_size and r.unit_size >= 2 and r.rank_in_unit == r.unit_size
    ]
    assert excellent and last
    commended = set(
        YearRecord.objects.filter(
            list_q(ListKind.COMMENDATION, 2026, ListPolicy()), year=2026
        ).values_list("person_id", flat=True)
    )
    # The archive wrote the lists' facts of the year's records.
    assert all(r.first_year == 2026 for r in records)
    assert {r.person_id for r in records if r.excellent_years} == {r.person_id for r in excellent}
    assert commended == {r.person_id for r in excellent}
    talks = set(
        ConsequenceTask.objects.filter(
            year=2026, quarter__isnull=True, kind=ConsequenceKind.REMINDER_TALK
        ).values_list("person_id", flat=True)
    )
    assert {r.person_id for r in last} <= talks
    view = archive_view(big.users["region_admin"], last[0].person_id, 2026)
    assert any(c.kind == str(ConsequenceKind.REMINDER_TALK.label) for c in view.consequences)
    view = archive_view(big.users["region_admin"], excellent[0].person_id, 2026)
    assert any(e.kind == ListKind.COMMENDATION for e in view.eligibility)


def test_the_new_records_carry_their_lists_facts_on_from_the_years_before(
    big: World, graded: QuarterRun
) -> None:
    """Earlier years in the archive (2024 and 2025, imported, one person with a gap)
    before the year is published: each new record's facts, carried on from the
    person's latest year, are those the refresh computes from the whole archive."""
    from django.utils import timezone

    from kaohe.outcomes.lists import FACT_FIELDS

    people = sorted({r.person_id for r in QuarterResult.objects.filter(run=graded)})[:6]
    for i, person_id in enumerate(people):
        for year in (2024, 2025):
            if i == 0 and year == 2025:
                continue  # a gap: the run of 优秀 starts again
            YearRecord.objects.create(
                region=big.region,
                person_id=person_id,
                year=year,
                source=RecordSource.IMPORTED,
                unit_name="原单位",
                grade="excellent" if i % 2 == 0 else "basic",
                quarter_grades=["good", "average", "good", "good"],
                frozen_at=timezone.now(),
            )
    services.year_facts_refresh(region_id=big.region.pk, years=[2024, 2025])
    publish_quarters(big, graded)
    year_ready(big)
    run = scoring.annual_compute(actor=big.users["region_admin"], region=big.region, year=2026)
    publish(big, run)
    written = {r[0]: r for r in YearRecord.objects.filter(year=2026).values_list(*FACT_FIELDS)}
    assert written[people[0]][8] == 2024  # first_year, from the imported years
    services.year_facts_refresh(region_id=big.region.pk, years=[2026])
    refreshed = {r[0]: r for r in YearRecord.objects.filter(year=2026).values_list(*FACT_FIELDS)}
    assert written == refreshed
