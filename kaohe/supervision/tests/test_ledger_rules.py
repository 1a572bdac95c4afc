"""The ledger's states and their refusals, deadlines on the working-day calendar,
overdue detection, the daily reminders, and the deductions for performance, by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pytest_django.fixtures import Settings

from kaohe.core.audit_actions import AuditAction
from kaohe.core.models import AuditEvent, Notification, WorkdayOverride
from kaohe.supervision import services
from kaohe.supervision.errors import SupervisionErrorCode
from kaohe.supervision.models import (
    Decision,
    Finding,
    FindingCategory,
    FindingState,
    Severity,
    SupervisionPolicy,
)
from kaohe.supervision.selectors import overdue_deductions
from kaohe.supervision.tests.fixtures import PDF, Ledger, record, rectify
from kaohe.testing import refused

pytestmark = pytest.mark.django_db


def test_open_rectifying_verified_struck_off(ledger: Ledger) -> None:
    finding = record(ledger)
    assert finding.state == FindingState.OPEN
    assert finding.evidence.count() == 1
    rectify(ledger, finding)
    finding.refresh_from_db()
    assert finding.state == FindingState.RECTIFYING
    services.finding_verify(actor=ledger.supervisor, finding=finding)
    finding.refresh_from_db()
    assert finding.state == FindingState.VERIFIED
    assert finding.verified_on == dt.date(2026, 11, 20)
    services.finding_strike_off(actor=ledger.supervisor, finding=finding)
    finding.refresh_from_db()
    assert finding.state == FindingState.STRUCK_OFF
    assert finding.struck_off_on == dt.date(2026, 11, 20)
    actions = list(
        AuditEvent.objects.filter(object_id=str(finding.pk), action__startswith="supervision.")
        .order_by("pk")
        .values_list("action", "state")
    )
    assert actions == [
        (AuditAction.SUPERVISION_FINDING_RECORD, "open"),
        (AuditAction.SUPERVISION_RECTIFICATION_SUBMIT, "rectifying"),
        (AuditAction.SUPERVISION_FINDING_VERIFY, "verified"),
        (AuditAction.SUPERVISION_FINDING_STRIKE_OFF, "struck_off"),
    ]
    # the unit was told of the finding and of its strike-off
    assert Notification.objects.filter(user=ledger.world.users["unit_admin"]).count() == 2


def test_sent_back_then_rectified_again(ledger: Ledger) -> None:
    finding = record(ledger)
    rectify(ledger, finding)
    with refused(SupervisionErrorCode.TEXT_REQUIRED):
        services.finding_send_back(actor=ledger.supervisor, finding=finding, reason=" ")
    services.finding_send_back(actor=ledger.supervisor, finding=finding, reason="证明材料不全")
    finding.refresh_from_db()
    assert finding.state == FindingState.SENT_BACK
    rectify(ledger, finding)
    finding.refresh_from_db()
    assert finding.state == FindingState.RECTIFYING
    rounds = list(finding.rectifications.order_by("number").values_list("number", "decision"))
    assert rounds == [(1, Decision.SENT_BACK), (2, Decision.PENDING)]
    assert finding.deadline == dt.date(2026, 11, 23)  # unchanged by the send-back


def test_acts_refused_in_the_wrong_state(ledger: Ledger) -> None:
    finding = record(ledger)
    with refused(SupervisionErrorCode.WRONG_STATE):
        services.finding_verify(actor=ledger.supervisor, finding=finding)
    with refused(SupervisionErrorCode.WRONG_STATE):
        services.finding_strike_off(actor=ledger.supervisor, finding=finding)
    with refused(SupervisionErrorCode.WRONG_STATE):
        services.finding_send_back(actor=ledger.supervisor, finding=finding, reason="材料不全啊")
    rectify(ledger, finding)
    with refused(SupervisionErrorCode.WRONG_STATE):
        rectify(ledger, finding)  # already awaiting verification
    with refused(SupervisionErrorCode.WRONG_STATE):
        services.finding_strike_off(actor=ledger.supervisor, finding=finding)
    services.finding_verify(actor=ledger.supervisor, finding=finding)
    with refused(SupervisionErrorCode.WRONG_STATE):
        services.finding_verify(actor=ledger.supervisor, finding=finding)
    with refused(SupervisionErrorCode.WRONG_STATE):
        services.finding_send_back(actor=ledger.supervisor, finding=finding, reason="材料不全啊")
    services.finding_strike_off(actor=ledger.supervisor, finding=finding)
    with refused(SupervisionErrorCode.WRONG_STATE):
        services.finding_strike_off(actor=ledger.supervisor, finding=finding)
    with refused(SupervisionErrorCode.WRONG_STATE):
        rectify(ledger, finding)


def test_who_may_act(ledger: Ledger) -> None:
    world = ledger.world
    with refused(SupervisionErrorCode.NOT_GROUP_MEMBER):
        services.finding_record(
            actor=ledger.other_supervisor,
            group_id=ledger.group.pk,
            unit_id=world.bureau.pk,
            category=FindingCategory.OTHER,
            severity=Severity.GENERAL,
            description="不是本组的单位",
            found_on=dt.date(2026, 11, 2),
        )
    with refused(SupervisionErrorCode.UNIT_NOT_COVERED):
        services.finding_record(
            actor=ledger.supervisor,
            group_id=ledger.group.pk,
            unit_id=world.town.pk,
            category=FindingCategory.OTHER,
            severity=Severity.GENERAL,
            description="不是本组的单位",
            found_on=dt.date(2026, 11, 2),
        )
    with refused(SupervisionErrorCode.BAD_CHOICE):
        services.finding_record(
            actor=ledger.supervisor,
            group_id=ledger.group.pk,
            unit_id=world.bureau.pk,
            category="nonsense",
            severity=Severity.GENERAL,
            description="类别不对的问题",
            found_on=dt.date(2026, 11, 2),
        )
    with refused(SupervisionErrorCode.BAD_DATE):
        record(ledger, found_on=dt.date(2026, 11, 21))  # after today
    finding = record(ledger)
    with refused(SupervisionErrorCode.NOT_UNIT):  # the town's head rectifies nothing here
        services.rectification_submit(
            actor=world.users["unit_head"].__class__.objects.get(username="cadre"),
            finding=finding,
            text="不是本单位的人",
            uploads=[services.Upload("a.pdf", PDF)],
        )
    with refused(SupervisionErrorCode.EVIDENCE_REQUIRED):
        services.rectification_submit(
            actor=world.users["unit_head"], finding=finding, text="已经整改完毕", uploads=[]
        )
    with refused(SupervisionErrorCode.EVIDENCE_BAD_TYPE):
        services.rectification_submit(
            actor=world.users["unit_head"],
            finding=finding,
            text="已经整改完毕",
            uploads=[services.Upload("a.exe", b"MZ\x90\x00")],
        )
    with refused(SupervisionErrorCode.TOO_MANY_FILES):
        services.rectification_submit(
            actor=world.users["unit_head"],
            finding=finding,
            text="已经整改完毕",
            uploads=[services.Upload(f"{i}.pdf", PDF) for i in range(6)],
        )
    rectify(ledger, finding)
    with refused(SupervisionErrorCode.NOT_GROUP_MEMBER):
        services.finding_verify(actor=ledger.other_supervisor, finding=finding)
    with refused(SupervisionErrorCode.NOT_GROUP_MEMBER):
        services.finding_verify(actor=world.users["region_admin"], finding=finding)
    ledger.group.active = False
    ledger.group.save()
    with refused(SupervisionErrorCode.GROUP_INACTIVE):
        record(ledger)


def test_deadline_counts_working_days_across_national_day(ledger: Ledger) -> None:
    # Found on Monday 28 September 2026: 10 working days (serious) skip the National Day
    # holiday (1–7 October) and count Saturday 10 October, a make-up working day.
    serious = record(ledger, severity=Severity.SERIOUS, found_on=dt.date(2026, 9, 28))
    assert serious.deadline == dt.date(2026, 10, 16)
    # 15 working days (general): 29, 30 Sep; 8, 9, 10, 12–16, 19–23 Oct.
    general = record(ledger, found_on=dt.date(2026, 9, 28))
    assert general.deadline == dt.date(2026, 10, 23)


def test_deadline_reads_the_regions_overrides_and_policy(ledger: Ledger) -> None:
    region = ledger.world.region
    SupervisionPolicy.objects.create(region=region, general_days=2)
    # Friday 6 November found: Mon 9 and Tue 10 November, unless the 9th is a day off.
    assert record(ledger, found_on=dt.date(2026, 11, 6)).deadline == dt.date(2026, 11, 10)
    WorkdayOverride.objects.create(region=region, day=dt.date(2026, 11, 9), is_workday=False)
    assert record(ledger, found_on=dt.date(2026, 11, 6)).deadline == dt.date(2026, 11, 11)


def test_overdue(ledger: Ledger) -> None:
    finding = record(ledger, found_on=dt.date(2026, 10, 20))  # deadline 10 November
    assert finding.deadline == dt.date(2026, 11, 10)
    assert not finding.is_overdue(dt.date(2026, 11, 10))  # the last day itself is in time
    assert finding.is_overdue(dt.date(2026, 11, 11))
    rectify(ledger, finding)
    finding.refresh_from_db()
    assert finding.is_overdue(dt.date(2026, 11, 20))  # rectifying is not struck off
    services.finding_verify(actor=ledger.supervisor, finding=finding)
    services.finding_strike_off(actor=ledger.supervisor, finding=finding)
    finding.refresh_from_db()
    assert not finding.is_overdue(dt.date(2026, 11, 20))


def _finding(ledger: Ledger, unit: str, severity: str, deadline: dt.date, **over: object) -> None:
    world = ledger.world
    Finding.objects.create(
        region=world.region,
        group=ledger.group if unit != "town" else ledger.other_group,
        unit=getattr(world, unit),
        category=FindingCategory.OTHER,
        severity=severity,
        description="问题",
        found_on=deadline - dt.timedelta(days=20),
        deadline=deadline,
        **over,
    )


def test_overdue_deductions_by_hand(ledger: Ledger, django_assert_num_queries: object) -> None:
    g, s = Severity.GENERAL, Severity.SERIOUS
    # The bureau: two general (0.5 each) and one serious (1) overdue on 31 October → 2.00.
    _finding(ledger, "bureau", g, dt.date(2026, 10, 12))
    _finding(ledger, "bureau", g, dt.date(2026, 10, 30), state=FindingState.RECTIFYING)
    _finding(ledger, "bureau", s, dt.date(2026, 9, 30))
    # Not overdue on 31 October: deadline on the last day; struck off in time; struck
    # off late but before the month's end; a deadline in November.
    _finding(ledger, "bureau", s, dt.date(2026, 10, 31))
    _finding(
        ledger,
        "bureau",
        s,
        dt.date(2026, 10, 20),
        state=FindingState.STRUCK_OFF,
        struck_off_on=dt.date(2026, 10, 19),
    )
    _finding(
        ledger,
        "bureau",
        s,
        dt.date(2026, 10, 20),
        state=FindingState.STRUCK_OFF,
        struck_off_on=dt.date(2026, 10, 31),
    )
    _finding(ledger, "bureau", s, dt.date(2026, 11, 3))
    # The centre: struck off in November, so still overdue at October's end: 1.00.
    _finding(
        ledger,
        "centre",
        s,
        dt.date(2026, 10, 9),
        state=FindingState.STRUCK_OFF,
        struck_off_on=dt.date(2026, 11, 2),
    )
    # The town: seven serious ones, 7 points capped at 5.
    for _ in range(7):
        _finding(ledger, "town", s, dt.date(2026, 10, 1))
    world = ledger.world
    with django_assert_num_queries(2):  # type: ignore[operator]
        october = overdue_deductions(region_id=world.region.pk, year=2026, month=10)
    assert october == {
        world.bureau.pk: Decimal("2.00"),
        world.centre.pk: Decimal("1.00"),
        world.town.pk: Decimal("5.00"),
    }
    # September: only the finding due 12 October's ancestors… none was due before 30 Sep.
    assert overdue_deductions(region_id=world.region.pk, year=2026, month=9) == {}
    # November: the centre's was struck off; the bureau's three plus the two due on
    # 31 October and 3 November (1 + 1): 0.5 + 0.5 + 1 + 1 + 1 = 4.00.
    november = overdue_deductions(region_id=world.region.pk, year=2026, month=11)
    assert november == {world.bureau.pk: Decimal("4.00"), world.town.pk: Decimal("5.00")}
    # The region's own figures, and nothing of another region.
    SupervisionPolicy.objects.create(
        region=world.region,
        general_deduction=Decimal("1.00"),
        serious_deduction=Decimal("2.00"),
        monthly_cap=Decimal("3.00"),
    )
    october = overdue_deductions(region_id=world.region.pk, year=2026, month=10)
    assert october == {
        world.bureau.pk: Decimal("3.00"),  # 1 + 1 + 2 = 4, capped at 3
        world.centre.pk: Decimal("2.00"),
        world.town.pk: Decimal("3.00"),
    }
    assert overdue_deductions(region_id=world.other_region.pk, year=2026, month=10) == {}


def test_daily_reminders_once(ledger: Ledger, settings: Settings) -> None:
    world = ledger.world
    due_soon = record(ledger, found_on=dt.date(2026, 10, 30))  # deadline 20 November
    assert due_soon.deadline == dt.date(2026, 11, 20)
    late = record(ledger, found_on=dt.date(2026, 10, 20))  # deadline 10 November
    Notification.objects.all().delete()
    today = dt.date(2026, 11, 18)
    # 18 Nov: the first is due within 3 days (a reminder), the second is overdue.
    assert services.findings_remind(today) == 2
    admin = world.users["unit_admin"]
    texts = sorted(Notification.objects.filter(user=admin).values_list("text", flat=True))
    assert len(texts) == 2
    assert Notification.objects.filter(user=ledger.supervisor).count() == 1
    # Once: the next days add nothing until the first passes its deadline.
    assert services.findings_remind(today + dt.timedelta(days=1)) == 0
    assert services.findings_remind(dt.date(2026, 11, 21)) == 1
    late.refresh_from_db()
    assert late.overdue_notified_for == late.deadline
    assert AuditEvent.objects.filter(action=AuditAction.SUPERVISION_REMIND).count() == 2
    # Registered with the daily check.
    from kaohe.notices.daily import _DAILY

    assert services.findings_remind in _DAILY


def test_a_rectification_with_the_group_is_not_the_units_delay(ledger: Ledger) -> None:
    """A unit that submitted its rectification waits on the group: no deduction while it
    is pending or verified, whatever the deadline; sent back by the month's end, the
    finding is the unit's again and costs it."""
    from kaohe.supervision.models import Decision, Rectification

    world = ledger.world
    for _ in range(2):
        _finding(
            ledger, "bureau", Severity.SERIOUS, dt.date(2026, 10, 12), state=FindingState.RECTIFYING
        )
    first, second = Finding.objects.filter(unit=world.bureau).order_by("pk")
    Rectification.objects.create(
        finding=first, number=1, text="已整改", submitted_on=dt.date(2026, 10, 10)
    )
    Rectification.objects.create(
        finding=second,
        number=1,
        text="已整改",
        submitted_on=dt.date(2026, 10, 10),
        decision=Decision.SENT_BACK,
        reason="材料不全",
        decided_on=dt.date(2026, 10, 20),
    )
    october = overdue_deductions(region_id=world.region.pk, year=2026, month=10)
    assert october == {world.bureau.pk: Decimal("1.00")}  # the sent-back one only
    # Due in September, nothing submitted by its end: both were the unit's delay then.
    Finding.objects.update(deadline=dt.date(2026, 9, 12))
    september = overdue_deductions(region_id=world.region.pk, year=2026, month=9)
    assert september == {world.bureau.pk: Decimal("2.00")}


def test_a_month_not_begun_has_nothing_overdue(ledger: Ledger, settings: Settings) -> None:
    """A month opened ahead of time deducts nothing: the findings late today are late in
    today's month, not in one that has not begun."""
    settings.KAOHE_TODAY = dt.date(2026, 11, 20)
    _finding(ledger, "bureau", Severity.SERIOUS, dt.date(2026, 11, 2))
    world = ledger.world
    assert overdue_deductions(region_id=world.region.pk, year=2026, month=11) == {
        world.bureau.pk: Decimal("1.00")
    }
    assert overdue_deductions(region_id=world.region.pk, year=2026, month=12) == {}
