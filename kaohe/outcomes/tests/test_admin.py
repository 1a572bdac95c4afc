"""The consequences in the Django admin: read by the office, only the due date moved
there (audited); the outcome is recorded on the consequence's own page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.core.models import AuditEvent
from kaohe.outcomes.models import ConsequenceKind, ConsequenceTask
from kaohe.testing import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(world: World) -> ConsequenceTask:
    return ConsequenceTask.objects.create(
        region=world.region,
        person=world.people["cadre"],
        year=2025,
        kind=ConsequenceKind.REMINDER_TALK,
        citation="2025年度在本单位排名末位",
        unit=world.bureau,
        owner_role="unit_head",
        issued_on=dt.date(2026, 1, 5),
        due_on=dt.date(2026, 2, 4),
    )


def test_the_office_reads_a_consequence_in_chinese_and_moves_only_its_due_date(
    world: World, task: ConsequenceTask, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    listing = client.get(reverse("admin:outcomes_consequencetask_changelist"))
    assert listing.status_code == 200 and "提醒谈话" in listing.content.decode()
    url = reverse("admin:outcomes_consequencetask_change", args=[task.pk])
    page = client.get(url).content.decode()
    assert "承办方" in page and world.bureau.name in page and "登记人" in page
    assert 'name="due_on"' in page and 'name="state"' not in page and 'name="note"' not in page
    assert client.get(reverse("admin:outcomes_consequencetask_add")).status_code == 403
    client.post(url, {"due_on": "2026-03-06", "state": "done", "note": "改"})
    task.refresh_from_db()
    assert task.due_on == dt.date(2026, 3, 6)
    assert (task.state, task.note) == ("open", "")
    assert AuditEvent.objects.filter(object_id=str(task.pk)).exists()
