"""The demo county's ledger: five groups, the supervisor persona's covering the personas'
unit and its towns, findings in every state with overdue ones, written once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client, override_settings
from pytest_django import DjangoDbBlocker

from kaohe.accounts.models import User
from kaohe.demo.org import PERSONA_UNIT, generate_demo
from kaohe.demo.supervision import DemoLedger, generate_demo_ledger
from kaohe.org.models import Region
from kaohe.supervision.models import Finding, FindingState, SupervisionGroup

YEAR = 2026
TODAY = dt.date(2026, 11, 20)
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(scope="module")
def loaded(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[tuple[Region, DemoLedger]]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=[FAST_HASHER]),
        transaction.atomic(),
    ):
        region_id = generate_demo(year=YEAR).region_id
        result = generate_demo_ledger(region_id=region_id, year=YEAR, today=TODAY)
        yield Region.objects.get(pk=region_id), result
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_groups_and_findings_in_every_state(loaded: tuple[Region, DemoLedger]) -> None:
    region, result = loaded
    assert result.groups == 5
    groups = SupervisionGroup.objects.filter(region=region)
    assert all(g.members.exists() and g.units.exists() for g in groups)
    first = groups.get(name="第一督导组")
    assert list(first.members.values_list("username", flat=True)) == ["supervisor"]
    assert first.units.filter(name=PERSONA_UNIT).exists()
    findings = Finding.objects.filter(region=region)
    assert findings.count() == result.findings
    assert set(findings.values_list("state", flat=True)) == set(FindingState.values)
    assert result.overdue > 0 and result.struck_off > 0
    mine = findings.filter(unit__name=PERSONA_UNIT)
    assert {f.state for f in mine} == {"open", "rectifying", "sent_back", "struck_off"}
    assert any(f.is_overdue(TODAY) for f in mine)
    for f in findings.filter(state=FindingState.STRUCK_OFF):
        assert f.struck_off_on is not None and f.found_on <= f.struck_off_on <= TODAY
    assert generate_demo_ledger(region_id=region.pk, year=YEAR, today=TODAY) == DemoLedger()


@pytest.mark.django_db
def test_the_personas_pages(loaded: tuple[Region, DemoLedger]) -> None:
    region, _result = loaded
    with override_settings(KAOHE_TODAY=TODAY):
        for login in ("supervisor", "unit_admin", "region_admin"):
            client = Client()
            client.force_login(User.objects.get(region=region, username=login))
            page = client.get("/supervision/")
            assert page.status_code == 200
            assert "逾期" in page.content.decode()
