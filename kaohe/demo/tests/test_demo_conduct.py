"""The demo county's discipline and attendance records: a handful in the personas'
unit, through conduct's services (audited), none on a persona, written once, and read by
the conduct page and the quarterly form's totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client, override_settings
from pytest_django import DjangoDbBlocker

from kaohe.accounts.models import User
from kaohe.conduct.models import AbsenceRecord, DisciplineKind, DisciplineRecord
from kaohe.conduct.selectors import absence_totals, records_for_people
from kaohe.core.audit_actions import AuditAction
from kaohe.core.models import AuditEvent
from kaohe.demo.conduct import DemoConduct, generate_demo_conduct
from kaohe.demo.org import PERSONA_UNIT, generate_demo
from kaohe.org.models import Membership, Region

YEAR = 2026
TODAY = dt.date(2026, 11, 20)
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@dataclass(frozen=True)
class Loaded:
    region: Region
    result: DemoConduct


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Loaded]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=[FAST_HASHER]),
        transaction.atomic(),
    ):
        region_id = generate_demo(year=YEAR).region_id
        result = generate_demo_conduct(region_id=region_id, year=YEAR, today=TODAY)
        yield Loaded(Region.objects.get(pk=region_id), result)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_warning_and_a_few_absences_in_the_personas_unit(loaded: Loaded) -> None:
    assert (loaded.result.discipline, loaded.result.absences) == (1, 5)
    (warning,) = DisciplineRecord.objects.filter(region=loaded.region)
    assert warning.kind == DisciplineKind.WARNING and "〔2026〕" in warning.document
    absences = AbsenceRecord.objects.filter(region=loaded.region)
    assert {a.kind for a in absences} == {"leave", "absent", "late_early"}
    people = {warning.person_id} | {a.person_id for a in absences}
    units = set(
        Membership.objects.filter(person_id__in=people).values_list("unit__name", flat=True)
    )
    assert units == {PERSONA_UNIT}
    personas = set(
        User.objects.filter(region=loaded.region, username__in=["cadre", "unit_admin"]).values_list(
            "person_id", flat=True
        )
    )
    assert not people & personas
    # Written by the services: each audited, by the office.
    actions = AuditEvent.objects.filter(region=loaded.region, action__startswith="conduct.")
    assert actions.filter(action=AuditAction.CONDUCT_DISCIPLINE_CREATE).count() == 1
    assert actions.exclude(action=AuditAction.CONDUCT_DISCIPLINE_CREATE).count() == 5


@pytest.mark.django_db
def test_the_quarterly_forms_and_the_conduct_page_show_them(loaded: Loaded) -> None:
    absences = AbsenceRecord.objects.filter(region=loaded.region)
    people = sorted({a.person_id for a in absences})
    q2 = absence_totals(people, dt.date(YEAR, 4, 1), dt.date(YEAR, 6, 30))
    assert sum(t.absent_days for t in q2.values()) == Decimal(1)
    assert sum(t.late_early_times for t in q2.values()) == 2
    q3 = absence_totals(people, dt.date(YEAR, 7, 1), dt.date(YEAR, 9, 30))
    assert sum(t.leave_days for t in q3.values()) == Decimal("6.5")
    warning = DisciplineRecord.objects.get(region=loaded.region)
    shown = records_for_people([warning.person_id], dt.date(YEAR, 4, 1), dt.date(YEAR, 6, 30))
    assert [r.kind for r in shown[warning.person_id]] == [DisciplineKind.WARNING]

    client = Client()
    client.force_login(User.objects.get(region=loaded.region, username="unit_head"))
    page = client.get("/conduct/").content.decode()
    assert warning.document in page
    assert "未请假未到岗" in client.get("/conduct/?show=absence").content.decode()


@pytest.mark.django_db
def test_a_second_run_writes_nothing(loaded: Loaded) -> None:
    again = generate_demo_conduct(region_id=loaded.region.pk, year=YEAR, today=TODAY)
    assert (again.discipline, again.absences) == (0, 0)
    assert DisciplineRecord.objects.filter(region=loaded.region).count() == 1
    assert AbsenceRecord.objects.filter(region=loaded.region).count() == 5
