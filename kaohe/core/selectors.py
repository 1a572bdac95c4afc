"""Reads of core records that the domains share: an object's history from the audit
log. (The audit log page itself reads every domain and lives in kaohe.pages.audit.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Model, TextChoices

from kaohe.core.models import AuditEvent


@dataclass(frozen=True)
class HistoryLine:
    """One step of an object's history as its page shows it."""

    at: dt.datetime
    state: str
    state_label: str
    actor_name: str
    note: str


def object_history(obj: Model, states: type[TextChoices]) -> list[HistoryLine]:
    """The object's history, oldest first: its audit rows that record a state (one per
    change; kaohe.core.audit.audit_record), with the state's label from `states`. One
    query, read from the (object type, object id, time, id) index."""
    rows = (
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .exclude(state="")
        .order_by("created_at", "id")
        .values_list("created_at", "state", "actor_name", "note")
    )
    labels = dict(states.choices)
    return [
        HistoryLine(at, state, str(labels.get(state, state)), actor_name, note)
        for at, state, actor_name, note in rows
    ]
