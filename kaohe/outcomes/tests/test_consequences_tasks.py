"""Consequences as tasks: derived when a period is published (idempotent, cancelled
not deleted), recorded by the owner, listed in scope with constant query counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from kaohe.accounts.models import Role, User
from kaohe.accounts.services import role_grant
from kaohe.core.audit_actions import AuditAction
from kaohe.core.models import AuditEvent
from kaohe.org.models import Person, Unit
from kaohe.outcomes.errors import OutcomesErrorCode
from kaohe.outcomes.models import (
    ConsequenceKind,
    ConsequenceState,
    ConsequenceTask,
    RecordSource,
    YearRecord,
)
from kaohe.outcomes.selectors import consequences_owned
from kaohe.outcomes.services import (
    consequence_record,
    consequences_derive_quarter,
    consequences_derive_year,
)
from kaohe.pages.todo import tasks_for
from kaohe.scoring import guards
from kaohe.scoring import services as scoring
from kaohe.scoring.models import AnnualRun, QuarterResult, QuarterRun, RunState
from kaohe.testing import World, refused

ISSUED = dt.date(2027, 1, 20)
TODAY = dt.date(2027, 2, 1)


def record(
    world: World,
    person: Person,
    year: int,
    *,
    rank: int | None = 1,
    size: int | None = 3,
    grade: str = "competent",
    unit: Unit | None = None,
    imported: bool = False,
) -> YearRecord:
    """A small factory of archived years (the archive helper writes them at publish)."""
    unit = unit or world.bureau
    return YearRecord.objects.create(
        region=world.region,
        person=person,
        year=year,
        source=RecordSource.IMPORTED if imported else RecordSource.KAOHE,
        unit=None if imported else unit,
        unit_name=unit.name,
        grade=grade,
        rank_in_unit=rank,
        unit_size=size,
        frozen_at=timezone.now(),
    )


def year_run(world: World, year: int = 2026) -> AnnualRun:
    return AnnualRun.objects.create(region=world.region, year=year, state=RunState.PUBLISHED)


def tasks(world: World, **filters: object) -> list[tuple[str, str, int | None, str]]:
    return sorted(
        ConsequenceTask.objects.filter(region=world.region, **filters).values_list(
            "person__name", "kind", "quarter", "state"
        )
    )


@pytest.fixture
def ladder_world(world: World) -> World:
    """The bureau's three in 2026 (王建国 1st, 李文华 2nd, 张小明 3rd of 3); 张小明 was
    last in 2024 and 2025 too (imported years); 李文华 is 基本称职; 陈静 of the centre
    不称职 two years running."""
    p = world.people
    for year in (2024, 2025):
        record(world, p["cadre"], year, rank=3, imported=True)
        record(world, p["head"], year, rank=1, imported=True)
        record(world, p["team"], year, rank=2, imported=True)
    record(world, p["head"], 2026, rank=1)
    record(world, p["team"], 2026, rank=2, grade="basic")
    record(world, p["cadre"], 2026, rank=3)
    record(world, p["centre_cadre"], 2025, rank=1, size=2, grade="incompetent", unit=world.centre)
    record(world, p["centre_cadre"], 2026, rank=1, size=2, grade="incompetent", unit=world.centre)
    record(world, p["centre_head"], 2026, rank=2, size=2, unit=world.centre)
    return world


def test_the_year_derives_its_tasks_with_owners_and_due_dates(ladder_world: World) -> None:
    w = ladder_world
    counts = consequences_derive_year(run=year_run(w), today=ISSUED)
    assert tasks(w) == [
        ("刘洋", "reminder_talk", None, "open"),  # last (2nd of 2) in the centre
        ("张小明", "org_handling", None, "open"),  # three years running, imported two
        ("李文华", "no_bonus", None, "open"),
        ("李文华", "no_promotion", None, "open"),
        ("陈静", "demotion", None, "open"),
        ("陈静", "dismissal_review", None, "open"),
        ("陈静", "no_bonus", None, "open"),
    ]
    assert counts.created == 7
    org = ConsequenceTask.objects.get(kind=ConsequenceKind.ORG_HANDLING)
    assert org.owner_role == Role.REGION_ADMIN and org.unit_id == w.bureau.pk
    assert org.due_on == ISSUED + dt.timedelta(days=30) and org.issued_on == ISSUED
    assert "连续3年（2024、2025、2026年度）" in org.citation
    talk = ConsequenceTask.objects.get(kind=ConsequenceKind.REMINDER_TALK)
    assert talk.owner_role == Role.UNIT_HEAD and talk.unit_id == w.centre.pk
    assert AuditEvent.objects.filter(action=AuditAction.OUTCOMES_CONSEQUENCES_DERIVE).count() == 1


@override_settings(KAOHE_TODAY=TODAY)
def test_publishing_again_never_duplicates_cancels_and_reinstates(ladder_world: World) -> None:
    w = ladder_world
    run = year_run(w)
    consequences_derive_year(run=run, today=ISSUED)
    again = consequences_derive_year(run=run, today=ISSUED)
    assert (again.created, again.cancelled, again.kept) == (0, 0, 7)
    assert ConsequenceTask.objects.count() == 7
    # One is done; then the year is corrected (reopened and published again): 李文华
    # is 称职 now and last, 张小明 tied first.
    done = ConsequenceTask.objects.get(person=w.people["team"], kind=ConsequenceKind.NO_BONUS)
    consequence_record(
        actor=w.users["region_admin"], task=done, done_on=ISSUED, note="已通知财务科"
    )
    mine = YearRecord.objects.filter(year=2026)
    mine.filter(person=w.people["team"]).update(grade="competent", rank_in_unit=3)
    mine.filter(person=w.people["cadre"]).update(rank_in_unit=1)
    later = ISSUED + dt.timedelta(days=3)
    counts = consequences_derive_year(run=run, today=later)
    assert (counts.created, counts.cancelled) == (1, 2)
    states = {
        (name, kind): state for name, kind, _q, state in tasks(w) if name in ("李文华", "张小明")
    }
    assert states == {
        ("李文华", "no_bonus"): "done",  # done stays done
        ("李文华", "no_promotion"): "cancelled",
        ("李文华", "reminder_talk"): "open",
        ("张小明", "org_handling"): "cancelled",
    }
    cancelled = ConsequenceTask.objects.get(kind=ConsequenceKind.ORG_HANDLING)
    assert "不再适用" in cancelled.note and later.isoformat() in cancelled.note
    # Published once more with the first ranks: the cancelled one is open again.
    mine.filter(person=w.people["team"]).update(rank_in_unit=2)
    mine.filter(person=w.people["cadre"]).update(rank_in_unit=3)
    counts = consequences_derive_year(run=run, today=later)
    assert (counts.reinstated, counts.cancelled) == (1, 1)
    cancelled.refresh_from_db()
    assert cancelled.state == ConsequenceState.OPEN and cancelled.note == ""
    assert ConsequenceTask.objects.count() == 8


@override_settings(KAOHE_TODAY=dt.date(2026, 5, 10))
def test_publishing_quarters_gives_the_first_and_second_failure(
    big: World, graded: QuarterRun
) -> None:
    """Through scoring's publish and the signal: Q1 較差 → a talk; Q2 较差 again → a
    notice; Q2 reopened and published with 较好 → the notice is cancelled."""
    office = big.users["region_admin"]
    people = [big.people["b0"], big.people["b1"]]
    QuarterResult.objects.filter(run=graded, tie=True).update(change_reason="经研究确定")
    QuarterResult.objects.filter(run=graded, person__in=people).update(grade="poor")
    scoring.quarter_confirm(actor=office, run=graded)
    graded.refresh_from_db()
    scoring.quarter_publish(actor=office, run=graded, confirmation=guards.publish_token(graded))
    names = [p.name for p in people]
    assert tasks(big) == sorted((n, "quarter_talk", 1, "open") for n in names)
    task = ConsequenceTask.objects.filter(person=people[0]).get()
    assert task.unit_id == big.bureau.pk and task.owner_role == Role.UNIT_HEAD
    assert task.issued_on == dt.date(2026, 5, 10)
    # Q2: a published run with b0 較差 again (rows made directly: the compute is
    # scoring's business), then derived as the signal does.
    q2 = QuarterRun.objects.create(region=big.region, year=2026, quarter=2, state="published")
    QuarterResult.objects.create(
        run=q2, person=people[0], unit=big.bureau, pool_id=0, score=60, grade="poor"
    )
    consequences_derive_quarter(run=q2)
    assert (people[0].name, "unit_criticism", 2, "open") in tasks(big)
    consequences_derive_quarter(run=q2)  # again: nothing new
    assert ConsequenceTask.objects.count() == 3
    QuarterResult.objects.filter(run=q2).update(grade="fairly_good")
    consequences_derive_quarter(run=q2)
    assert (people[0].name, "unit_criticism", 2, "cancelled") in tasks(big)


@pytest.fixture
def issued(ladder_world: World) -> World:
    consequences_derive_year(run=year_run(ladder_world), today=ISSUED)
    return ladder_world


@override_settings(KAOHE_TODAY=TODAY)
def test_recording_the_outcome(issued: World) -> None:
    w = issued
    talk = ConsequenceTask.objects.get(kind=ConsequenceKind.REMINDER_TALK)  # the centre's
    org = ConsequenceTask.objects.get(kind=ConsequenceKind.ORG_HANDLING)
    # The bureau's head covers the centre (granted with its subtree); a cadre, a team
    # member and the other region's office do not own it.
    for persona in ("cadre", "team_member", "other_admin", "unit_admin"):
        with refused(OutcomesErrorCode.NOT_OWNER):
            consequence_record(actor=w.users[persona], task=talk, done_on=TODAY, note="谈话")
    with refused(OutcomesErrorCode.NOT_OWNER):  # the office's task, not the head's
        consequence_record(actor=w.users["unit_head"], task=org, done_on=TODAY, note="建议")
    head = w.users["unit_head"]
    with refused(OutcomesErrorCode.DAY_IN_FUTURE):
        consequence_record(actor=head, task=talk, done_on=TODAY + dt.timedelta(1), note="谈话")
    with refused(OutcomesErrorCode.DAY_BEFORE_TASK):
        consequence_record(actor=head, task=talk, done_on=ISSUED - dt.timedelta(1), note="谈话")
    with refused(OutcomesErrorCode.NOTE_REQUIRED):
        consequence_record(actor=head, task=talk, done_on=TODAY, note="  ")
    done = consequence_record(
        actor=head, task=talk, done_on=ISSUED, note="已进行提醒谈话，本人表示接受"
    )
    assert (done.state, done.done_on, done.done_by) == ("done", ISSUED, head)
    event = AuditEvent.objects.get(action=AuditAction.OUTCOMES_CONSEQUENCE_RECORD)
    assert event.actor == head and event.note == done.note and event.state == "done"
    with refused(OutcomesErrorCode.NOT_OPEN):
        consequence_record(actor=head, task=talk, done_on=TODAY, note="再次")
    # The office records its own.
    consequence_record(actor=w.users["region_admin"], task=org, done_on=TODAY, note="已提出建议")


@override_settings(KAOHE_TODAY=TODAY)
def test_a_change_of_head_moves_the_task(issued: World) -> None:
    w = issued
    talk = ConsequenceTask.objects.get(kind=ConsequenceKind.REMINDER_TALK)
    new_head = User.objects.create_user(username="new_head", password="x", region=w.region)
    assert consequences_owned(new_head) == []
    role_grant(actor=None, user=new_head, role=Role.UNIT_HEAD, unit=w.centre)
    assert [t.pk for t in consequences_owned(new_head)] == [talk.pk]
    consequence_record(actor=new_head, task=talk, done_on=TODAY, note="新任负责人谈话")


@override_settings(KAOHE_TODAY=TODAY)
def test_task_lists_of_the_head_and_the_office(issued: World) -> None:
    w = issued
    head = [t for t in tasks_for(w.users["unit_head"], TODAY) if t.kind == "consequence"]
    assert [t.text for t in head] == ["提醒谈话：刘洋（区就业服务中心）"]
    assert head[0].deadline == ISSUED + dt.timedelta(30) and not head[0].overdue
    late = TODAY + dt.timedelta(days=30)
    office = [t for t in tasks_for(w.users["region_admin"], late) if t.kind == "consequence"]
    texts = [t.text for t in office]
    assert "辞退审查：1人" in texts and "不发年终奖：2人" in texts
    assert "提醒谈话：刘洋（区就业服务中心）" in texts  # the units' overdue ones
    assert all(t.overdue for t in office)
    # A cadre has none; the other region's office sees none of ours.
    assert not [t for t in tasks_for(w.users["cadre"], late) if t.kind == "consequence"]
    assert not [t for t in tasks_for(w.users["other_admin"], late) if t.kind == "consequence"]


def _page(client: Client, **query: str) -> str:
    response = client.get(reverse("outcomes:consequences"), query)
    assert response.status_code == 200
    return response.content.decode()


@override_settings(KAOHE_TODAY=TODAY)
def test_the_page_is_scoped(issued: World, client_as: Callable[[str], Client]) -> None:
    talk = ConsequenceTask.objects.get(kind=ConsequenceKind.REMINDER_TALK)
    own = ConsequenceTask.objects.get(kind=ConsequenceKind.ORG_HANDLING)  # 张小明's
    office = _page(client_as("region_admin"))
    assert "刘洋" in office and "张小明" in office and "陈静" in office
    head = _page(client_as("unit_head"))
    assert "刘洋" in head and "组织处理建议" in head
    cadre = _page(client_as("cadre"))  # 张小明: their own only
    assert "张小明" in cadre and "刘洋" not in cadre
    assert "刘洋" not in _page(client_as("cadre_other"))
    assert "张小明" not in _page(client_as("other_admin"))
    detail = reverse("outcomes:consequence", args=[talk.pk])
    for persona in ("cadre", "cadre_other", "other_admin", "supervisor"):
        assert client_as(persona).get(detail).status_code == 404, persona
    assert client_as("cadre").get(reverse("outcomes:consequence", args=[own.pk])).status_code == 200
    assert (
        client_as("cadre").post(detail, {"done_on": "2027-01-25", "note": "x"}).status_code == 404
    )
    # Filters, and nonsense in them, give a page, not an error.
    assert "陈静" not in _page(client_as("region_admin"), kind="reminder_talk")
    assert "No consequence" not in _page(
        client_as("region_admin"), state="bogus", kind="x", unit="abc", year="99999"
    )
    assert "刘洋" not in _page(client_as("region_admin"), state="done")


@override_settings(KAOHE_TODAY=TODAY)
def test_recording_through_the_page(issued: World, client_as: Callable[[str], Client]) -> None:
    talk = ConsequenceTask.objects.get(kind=ConsequenceKind.REMINDER_TALK)
    client = client_as("unit_head")
    detail = reverse("outcomes:consequence", args=[talk.pk])
    page = client.get(detail).content.decode()
    assert "登记办理结果" in page and "连续" not in page and "提醒谈话" in page
    bad = client.post(detail, {"done_on": "2027-13-01", "note": "谈话"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.content.decode()
    future = client.post(detail, {"done_on": "2027-02-02", "note": "谈话"}, follow=True)
    assert "不能晚于今天" in future.content.decode()
    done = client.post(detail, {"done_on": "2027-01-25", "note": "已谈话"}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("outcomes:consequences")
    talk.refresh_from_db()
    assert talk.state == "done"
    home = client.get(reverse("home")).content.decode()
    assert detail not in home


def _many(world: World, n: int) -> None:
    people = [
        Person.objects.get_or_create(region=world.region, staff_no=f"M{i:04d}", name=f"人员{i}")[0]
        for i in range(n)
    ]
    ConsequenceTask.objects.bulk_create(
        ConsequenceTask(
            region=world.region,
            person=p,
            year=2026,
            kind=ConsequenceKind.REMINDER_TALK,
            citation="……",
            unit=world.bureau if i % 2 else world.centre,
            owner_role=Role.UNIT_HEAD,
            issued_on=ISSUED,
            due_on=ISSUED + dt.timedelta(days=30),
        )
        for i, p in enumerate(people)
    )


@override_settings(KAOHE_TODAY=TODAY)
@pytest.mark.parametrize("persona", ["unit_head", "region_admin"])
def test_query_counts_do_not_grow_with_the_list(
    world: World, client_as: Callable[[str], Client], persona: str
) -> None:
    client = client_as(persona)
    counts = []
    for n in (3, 45):
        ConsequenceTask.objects.all().delete()
        _many(world, n)
        client.get(reverse("outcomes:consequences"))  # warm the user's caches
        client.get(reverse("home"))
        with CaptureQueriesContext(connection) as page:
            body = _page(client)
        with CaptureQueriesContext(connection) as home:
            client.get(reverse("home"))
        assert body.count("consequence-") >= n
        counts.append((len(page), len(home)))
    assert counts[0] == counts[1], counts
    assert counts[0][0] <= 10, counts
