"""Folding an old history table into the audit log (the migrations that dropped RoundEvent
and SchemeEvent): an event and the audit row its change wrote become one row; an event
without one becomes a row at its own time; nothing is matched twice or across actors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.audit_fold import OldEvent, fold
from kaohe.core.models import AuditEvent
from kaohe.testing import World

pytestmark = pytest.mark.django_db

OWNER = "schemes.scheme"
TARGET = "schemes.schemeversion"


def _event(world: World, actor: User, at: dt.datetime, state: str, action: str) -> OldEvent:
    return OldEvent(
        owner_id="7",
        actions=[action],
        at=at,
        actor_id=actor.pk,
        state=state,
        note=f"{state} note",
        target_type=TARGET,
        target_id="11",
        target_repr="方案 v2",
        region_id=world.region.pk,
    )


def _written(world: World, actor: User, action: AuditAction, at: dt.datetime) -> AuditEvent:
    row = audit_record(actor=actor, action=action, region=world.region)
    AuditEvent.objects.filter(pk=row.pk).update(object_type=OWNER, object_id="7", created_at=at)
    return row


def test_an_event_and_its_audit_row_become_one_row(world: World) -> None:
    unit_admin, office = world.users["unit_admin"], world.users["region_admin"]
    t0 = timezone.now() - dt.timedelta(days=3)
    first = _written(world, unit_admin, AuditAction.SCHEMES_VERSION_SUBMIT, t0)
    second = _written(world, unit_admin, AuditAction.SCHEMES_VERSION_SUBMIT, t0 + dt.timedelta(1))
    by_other = _written(world, office, AuditAction.SCHEMES_VERSION_RETURN, t0 + dt.timedelta(2))
    events = [
        _event(world, unit_admin, t0 - dt.timedelta(milliseconds=2), "submitted", first.action),
        _event(world, unit_admin, t0 + dt.timedelta(1), "submitted", first.action),
        # The office's return, but written by another actor: not its row.
        _event(world, unit_admin, t0 + dt.timedelta(2), "returned", by_other.action),
    ]
    before = AuditEvent.objects.count()

    assert fold(AuditEvent, User, OWNER, events) == (2, 1)

    assert AuditEvent.objects.count() == before + 1
    for row in (first, second):
        row.refresh_from_db()
        assert (row.object_type, row.object_id) == (TARGET, "11")
        assert (row.state, row.note) == ("submitted", "submitted note")
    by_other.refresh_from_db()
    assert by_other.state == "" and by_other.object_type == OWNER
    added = AuditEvent.objects.latest("id")
    assert added.created_at == t0 + dt.timedelta(2)  # its own time, not the migration's
    assert (added.actor_name, added.action, added.state) == (
        unit_admin.username,
        "schemes.version.return",
        "returned",
    )
    assert (added.object_type, added.object_id, added.object_repr) == (TARGET, "11", "方案 v2")
    assert added.region_id == world.region.pk and added.details == {}


def test_an_audit_row_long_after_the_event_is_another_change(world: World) -> None:
    actor = world.users["region_admin"]
    t0 = timezone.now() - dt.timedelta(days=3)
    late = _written(world, actor, AuditAction.SCHEMES_VERSION_APPROVE, t0 + dt.timedelta(hours=1))
    event = _event(world, actor, t0, "approved", late.action)

    assert fold(AuditEvent, User, OWNER, [event]) == (0, 1)
    late.refresh_from_db()
    assert late.state == ""
