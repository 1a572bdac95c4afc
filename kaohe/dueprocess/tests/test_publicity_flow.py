"""The 公示 of the 优秀 candidates (R5.12, issue 17 item 1): started on a computed year,
its period on the official calendar (over National Day), objections during it, the
office's findings (upheld: withdrawn through a recorded veto and a recompute, the next
in line listed), and the gate before the year is published."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from kaohe.accounts.errors import AccountErrorCode
from kaohe.core.audit_actions import AuditAction
from kaohe.core.models import AuditEvent
from kaohe.dueprocess import services
from kaohe.dueprocess.errors import DueProcessErrorCode
from kaohe.dueprocess.models import Objection, Publicity, PublicityEntry
from kaohe.scoring import guards
from kaohe.scoring import services as scoring
from kaohe.scoring.errors import ScoringErrorCode
from kaohe.scoring.models import AnnualResult, AnnualRun, PersonYearFlag, RunState
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db

D = dt.date
START = D(2026, 9, 28)  # a Monday: 09-28..09-30, National Day 10-01..10-07, 10-08, 10-09


def start(world: World, run: AnnualRun, day: dt.date = START) -> Publicity:
    return services.publicity_start(actor=world.users["region_admin"], run=run, today=day)


def entry_of(publicity: Publicity, name: str) -> PublicityEntry:
    return PublicityEntry.objects.get(publicity=publicity, name=name)


def test_the_office_starts_the_publicity_of_the_excellent_once(
    big: World, computed: AnnualRun
) -> None:
    with refused(AccountErrorCode.NOT_REGION_OFFICE):
        services.publicity_start(actor=big.users["unit_head"], run=computed, today=START)
    publicity = start(big, computed)
    # Five working days over National Day: the last is 10-09.
    assert (publicity.starts_on, publicity.ends_on) == (START, D(2026, 10, 9))
    entries = list(PublicityEntry.objects.filter(publicity=publicity).order_by("name"))
    excellent = AnnualResult.objects.filter(run=computed, grade="excellent")
    assert {e.person_id for e in entries} == set(excellent.values_list("person_id", flat=True))
    assert {e.name for e in entries} == {"周敏", "吴刚"}
    for e in entries:
        assert e.unit_name == "区人力资源和社会保障局" and e.grade == "excellent"
        assert (e.listed_on, e.ends_on) == (START, D(2026, 10, 9))
    with refused(DueProcessErrorCode.PUBLICITY_EXISTS, match="2026-09-28"):
        start(big, computed)
    other = AnnualRun.objects.create(region=big.region, year=2025, state=RunState.PUBLISHED)
    with refused(DueProcessErrorCode.RUN_NOT_COMPUTED):
        start(big, other)
    assert AuditEvent.objects.filter(action=AuditAction.DUEPROCESS_PUBLICITY_START).count() == 1


def test_an_objection_on_the_last_day_is_taken_the_next_day_refused(
    big: World, computed: AnnualRun
) -> None:
    publicity = start(big, computed)
    entry = entry_of(publicity, "周敏")
    cadre = big.users["cadre"]  # 张小明, of the same bureau
    services.objection_raise(
        actor=cadre, entry=entry, text="年内曾迟报工作日志", anonymous=False, today=D(2026, 10, 9)
    )
    with refused(DueProcessErrorCode.TOO_LATE, match="2026-10-09"):
        services.objection_raise(
            actor=cadre, entry=entry, text="另有一事", anonymous=False, today=D(2026, 10, 10)
        )
    with refused(DueProcessErrorCode.TEXT_REQUIRED):
        services.objection_raise(actor=cadre, entry=entry, text="  ", anonymous=True, today=START)
    with refused(DueProcessErrorCode.TEXT_TOO_LONG):
        services.objection_raise(
            actor=cadre, entry=entry, text="长" * 2001, anonymous=True, today=START
        )
    # Someone of another unit does not see the bureau's candidates.
    with refused(DueProcessErrorCode.NOT_IN_SCOPE):
        services.objection_raise(
            actor=big.users["cadre_other"], entry=entry, text="异议", anonymous=False, today=START
        )
    assert Objection.objects.count() == 1


def test_the_gate_blocks_the_publish_until_the_publicity_is_over_and_answered(
    big: World, computed: AnnualRun, settings: Settings, client_as: Callable[[str], Client]
) -> None:
    office = big.users["region_admin"]
    settings.KAOHE_TODAY = START

    def publish() -> None:
        scoring.annual_publish(
            actor=office, run=computed, confirmation=guards.publish_token(computed)
        )

    with refused(ScoringErrorCode.BLOCKED, match="尚未开始"):
        publish()
    publicity = start(big, computed)
    with refused(ScoringErrorCode.BLOCKED, match="2026-10-09"):
        publish()
    objection = services.objection_raise(
        actor=big.users["cadre"],
        entry=entry_of(publicity, "吴刚"),
        text="其述职材料有不实之处",
        anonymous=False,
        today=D(2026, 10, 9),
    )
    settings.KAOHE_TODAY = D(2026, 10, 12)
    with refused(ScoringErrorCode.BLOCKED, match="1") as caught:
        publish()
    assert "2026-10-09" not in caught.value.message  # the period is over
    page = client_as("region_admin").get(reverse("scoring:annual_publish", args=[computed.pk]))
    text = page.content.decode()
    assert "尚未作出" in text and reverse("dueprocess:objections") in text
    services.objection_resolve(
        actor=office,
        objection=objection,
        finding=Objection.Finding.REJECTED,
        text="经核查，述职材料属实",
        today=D(2026, 10, 12),
    )
    publish()
    computed.refresh_from_db()
    publicity.refresh_from_db()
    assert computed.state == RunState.PUBLISHED
    assert publicity.confirmed_at is not None and publicity.confirmed_by == office


def test_an_upheld_objection_withdraws_the_candidate_and_lists_the_next(
    big: World, computed: AnnualRun, settings: Settings, client_as: Callable[[str], Client]
) -> None:
    settings.KAOHE_TODAY = D(2026, 9, 30)
    publicity = start(big, computed)
    top = entry_of(publicity, "周敏")
    objection = services.objection_raise(
        actor=big.users["cadre"], entry=top, text="曾受警告处分", anonymous=True, today=START
    )
    office = client_as("region_admin")
    url = reverse("dueprocess:objection", args=[objection.pk])
    # A finding needs its text; nothing is written without it.
    assert office.post(url, {"finding": "upheld", "text": ""}).status_code == 400
    assert not PersonYearFlag.objects.exists()
    response = office.post(url, {"finding": "upheld", "text": "经核查，该同志年内受警告处分"})
    assert response.status_code == 302  # to the job, run here in the request
    objection.refresh_from_db()
    assert objection.finding == Objection.Finding.UPHELD
    flag = PersonYearFlag.objects.get(person_id=top.person_id, year=2026)
    assert flag.kind == PersonYearFlag.Kind.VETO and "受警告处分" in flag.reason
    top.refresh_from_db()
    assert top.withdrawn_on == D(2026, 9, 30) and "受警告处分" in top.withdrawn_reason
    # The next in line takes the place, listed from today for their own period.
    run = AnnualRun.objects.get(pk=computed.pk)
    assert run.state == RunState.COMPUTED
    assert AnnualResult.objects.get(run=run, person_id=top.person_id).grade != "excellent"
    nxt = entry_of(publicity, "郑爽")
    assert (nxt.listed_on, nxt.ends_on) == (D(2026, 9, 30), D(2026, 10, 12))
    assert nxt.withdrawn_on is None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        AuditAction.SCORING_FLAG,
        AuditAction.SCORING_YEAR_COMPUTE,
        AuditAction.DUEPROCESS_PUBLICITY_SYNC,
        AuditAction.DUEPROCESS_OBJECTION_RESOLVE,
    } <= actions
    page = client_as("cadre").get(reverse("dueprocess:publicity", args=[publicity.pk]))
    text = page.content.decode()
    assert "已撤回" in text and "郑爽" in text and "2026-10-12" in text
    with refused(DueProcessErrorCode.CANDIDATE_WITHDRAWN):
        services.objection_raise(
            actor=big.users["cadre"], entry=top, text="再提", anonymous=False, today=START
        )


def test_a_year_computed_again_elsewhere_is_brought_in_line_before_publishing(
    big: World, computed: AnnualRun, settings: Settings, client_as: Callable[[str], Client]
) -> None:
    settings.KAOHE_TODAY = D(2026, 10, 12)
    office = big.users["region_admin"]
    publicity = start(big, computed, D(2026, 9, 28))
    # A veto recorded and the year computed again from the scoring pages, not here.
    scoring.flag_record(
        actor=office,
        person_id=entry_of(publicity, "吴刚").person_id,
        year=2026,
        kind=PersonYearFlag.Kind.VETO,
        reason="年内受到警告处分",
    )
    scoring.annual_compute(actor=office, region=big.region, year=2026)
    with refused(ScoringErrorCode.BLOCKED, match="2"):
        scoring.annual_publish(
            actor=office, run=computed, confirmation=guards.publish_token(computed)
        )
    client = client_as("region_admin")
    page = reverse("dueprocess:publicity", args=[publicity.pk])
    assert 'id="publicity-behind"' in client.get(page).content.decode()
    assert (
        client_as("cadre")
        .post(reverse("dueprocess:publicity_sync", args=[publicity.pk]))
        .status_code
        == 404
    )
    client.post(reverse("dueprocess:publicity_sync", args=[publicity.pk]))
    assert entry_of(publicity, "吴刚").withdrawn_on == D(2026, 10, 12)
    newcomer = entry_of(publicity, "郑爽")
    assert (newcomer.listed_on, newcomer.withdrawn_on) == (D(2026, 10, 12), None)
    assert 'id="publicity-behind"' not in client.get(page).content.decode()
    # The newcomer's own period now holds the publish back.
    with refused(ScoringErrorCode.BLOCKED, match=newcomer.ends_on.isoformat()):
        scoring.annual_publish(
            actor=office, run=computed, confirmation=guards.publish_token(computed)
        )
