"""A unit declares it has no indicator entries for a quarter (issue 13)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.core.models import AuditEvent
from kaohe.schemes import services
from kaohe.schemes.errors import SchemeErrorCode
from kaohe.schemes.models import (
    EntryDeclaration,
    IndicatorKind,
    IndicatorResult,
    SchemeVersion,
)
from kaohe.schemes.selectors import EntryState, entry_state, entry_states
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db


def test_the_unit_declares_with_a_reason_and_it_is_audited(world: World) -> None:
    head = world.users["unit_head"]
    with refused(SchemeErrorCode.DECLARATION_NEEDS_REASON):
        services.entry_declare_empty(actor=head, unit=world.bureau, year=2026, quarter=1, reason="")
    services.entry_declare_empty(
        actor=head, unit=world.bureau, year=2026, quarter=1, reason="本季度无专项任务"
    )
    declared = EntryDeclaration.objects.get()
    assert (declared.unit, declared.quarter, declared.actor) == (world.bureau, 1, head)
    assert AuditEvent.objects.filter(action="schemes.entry.declare_empty").count() == 1
    entered, declared_ids = entry_states(world.region.pk, 2026, 1)
    assert entry_state(world.bureau.pk, entered, declared_ids) == EntryState.DECLARED
    assert entry_state(world.town.pk, entered, declared_ids) == EntryState.MISSING


@pytest.mark.parametrize("key", ["cadre", "team_member", "supervisor", "other_admin"])
def test_only_the_units_assessors_declare(world: World, key: str) -> None:
    with refused(SchemeErrorCode.NOT_UNIT_ADMIN_OR_HEAD):
        services.entry_declare_empty(
            actor=world.users[key], unit=world.bureau, year=2026, quarter=1, reason="本季度无任务"
        )
    with refused(SchemeErrorCode.NOT_UNIT_ADMIN_OR_HEAD):
        services.entry_declare_empty(
            actor=world.users["unit_head"],
            unit=world.town,
            year=2026,
            quarter=1,
            reason="本季度无任务",
        )
    assert not EntryDeclaration.objects.exists()


def test_a_unit_with_entries_has_nothing_to_declare(world: World, drafted: SchemeVersion) -> None:
    leaf = drafted.indicators.exclude(kind=IndicatorKind.GROUP)[0]
    IndicatorResult.objects.create(
        version=leaf.version,
        indicator=leaf,
        unit=world.bureau,
        person=world.people["cadre"],
        year=2026,
        quarter=1,
        value=5,
    )
    with refused(SchemeErrorCode.ENTRIES_EXIST):
        services.entry_declare_empty(
            actor=world.users["unit_head"],
            unit=world.bureau,
            year=2026,
            quarter=1,
            reason="本季度无任务",
        )
    entered, declared = entry_states(world.region.pk, 2026, 1)
    assert entry_state(world.bureau.pk, entered, declared) == EntryState.ENTERED


def test_the_entry_page_has_the_button_even_without_a_scheme(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_head")
    url = reverse("schemes:entry", args=[world.bureau.pk, 2026, 2])
    page = client.get(url).content.decode()
    assert 'id="entry-declaration"' in page and "申报本季度无指标录入" in page
    declare = reverse("schemes:entry_declare", args=[world.bureau.pk, 2026, 2])
    page = client.post(declare, {"reason": "本季度无专项任务"}, follow=True).content.decode()
    assert "已申报：本季度无指标录入" in page and "理由：本季度无专项任务" in page
    assert EntryDeclaration.objects.filter(unit=world.bureau, quarter=2).exists()
    # Another unit's page and declaration: 404 for the head.
    other = reverse("schemes:entry_declare", args=[world.town.pk, 2026, 2])
    assert client.post(other, {"reason": "本季度无专项任务"}).status_code == 404
    assert client_as("cadre").post(declare, {"reason": "x"}).status_code == 404
