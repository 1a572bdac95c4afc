"""Folding the old history tables (reviews' RoundEvent, schemes' SchemeEvent) into the
audit log, for the migrations that drop them (issue 15): one row per change.

A change used to write two rows, an event and an audit row, in one transaction and
moments apart. Each old event is matched to its audit row (same object, actor and action,
written within `WINDOW` after it, each audit row used once) and that row takes the
event's state and note and points at the history's object; an event without one (written
before the audit log, or by hand) becomes an audit row of its own, with its time. Only
what the two rows held is kept: nothing new is learnt about anyone.

Migrations call this with their historical models; it uses no model of the app code.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

# The audit row follows its event within the service's transaction: a scheme approval
# moves results in between, so allow minutes; a little before, for clocks that step.
WINDOW = dt.timedelta(minutes=10)
EARLY = dt.timedelta(seconds=1)
BATCH = 1000


@dataclass(frozen=True)
class OldEvent:
    """One row of an old history table, with where its audit row would be."""

    owner_id: str  # the object the audit row was written for (a round, a scheme)
    actions: Sequence[str]  # the audit actions it may have been written as, likeliest first
    at: dt.datetime
    actor_id: int | None
    state: str
    note: str
    # What the merged row points at: the object whose history it is.
    target_type: str
    target_id: str
    target_repr: str
    region_id: int | None


@dataclass(frozen=True)
class Target:
    """The object an old event's history belongs to, and the one its audit row was
    written for."""

    type: str
    id: str
    repr: str
    owner_id: str
    region_id: int | None


@dataclass(frozen=True)
class HistoryTable:
    """An old history table and how its rows fold into the audit log: the migration's
    RunPython(table.forward, table.backward), then DeleteModel."""

    app: str
    model: str  # the old event model
    note_field: str  # its reason or note
    target_model: str  # what it was the history of (a round, a version)
    target_field: str  # the event's foreign key to it
    target_type: str  # the merged rows' object type
    owner_type: str  # the object type the audit rows were written for
    target_of: Callable[[Any], Target]
    # (state, previous state of the same target or None) → the audit actions its change
    # may have been written as, likeliest first.
    actions_of: Callable[[str, str | None], Sequence[str]]
    owner_field: str | None = None  # the target's foreign key to the owner, if not itself

    def forward(self, apps: Any, schema_editor: Any) -> None:
        events = apps.get_model(self.app, self.model).objects.select_related(self.target_field)
        if self.owner_field is not None:
            events = events.select_related(f"{self.target_field}__{self.owner_field}")
        last: dict[str, str] = {}
        old: list[OldEvent] = []
        for event in events.order_by("at", "id").iterator(chunk_size=BATCH):
            target = self.target_of(event)
            old.append(
                OldEvent(
                    owner_id=target.owner_id,
                    actions=self.actions_of(event.state, last.get(target.id)),
                    at=event.at,
                    actor_id=event.actor_id,
                    state=event.state,
                    note=getattr(event, self.note_field),
                    target_type=target.type,
                    target_id=target.id,
                    target_repr=target.repr,
                    region_id=target.region_id,
                )
            )
            last[target.id] = event.state
        audit_model = apps.get_model("core", "AuditEvent")
        user_model = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
        fold(audit_model, user_model, self.owner_type, old)

    def backward(self, apps: Any, schema_editor: Any) -> None:
        unfold(
            apps.get_model("core", "AuditEvent"),
            apps.get_model(self.app, self.model),
            apps.get_model(self.app, self.target_model),
            self.target_type,
            self.target_field,
            self.note_field,
            (self.owner_type, self.owner_field) if self.owner_field else None,
        )


def fold(
    audit_model: Any, user_model: Any, owner_type: str, events: Iterable[OldEvent]
) -> tuple[int, int]:
    """Fold `events` (oldest first) into the audit log; returns (matched, added)."""
    events = list(events)
    actions = {a for e in events for a in e.actions}
    pool: dict[str, list[Any]] = defaultdict(list)
    for row in (
        audit_model.objects.filter(
            object_type=owner_type,
            object_id__in={e.owner_id for e in events},
            action__in=actions,
            state="",
        )
        .order_by("created_at", "id")
        .only("id", "object_id", "action", "actor_id", "created_at")
        .iterator(chunk_size=BATCH)
    ):
        pool[row.object_id].append(row)
    used: set[int] = set()
    matched: list[Any] = []
    unmatched: list[OldEvent] = []
    for event in events:
        row = _match(event, pool[event.owner_id], used)
        if row is None:
            unmatched.append(event)
            continue
        used.add(row.pk)
        row.state, row.note = event.state, event.note
        row.object_type, row.object_id = event.target_type, event.target_id
        matched.append(row)
    audit_model.objects.bulk_update(
        matched, ["state", "note", "object_type", "object_id"], batch_size=BATCH
    )
    _add(audit_model, user_model, unmatched)
    return len(matched), len(unmatched)


def _match(event: OldEvent, candidates: list[Any], used: set[int]) -> Any | None:
    for action in event.actions:
        for row in candidates:
            if (
                row.pk not in used
                and row.action == action
                and row.actor_id == event.actor_id
                and event.at - EARLY <= row.created_at <= event.at + WINDOW
            ):
                return row
    return None


def _add(audit_model: Any, user_model: Any, events: list[OldEvent]) -> None:
    """Audit rows for events that had none, at their own time."""
    if not events:
        return
    names = dict(
        user_model.objects.filter(pk__in={e.actor_id for e in events if e.actor_id}).values_list(
            "pk", "username"
        )
    )
    rows = [
        audit_model(
            region_id=e.region_id,
            actor_id=e.actor_id,
            actor_name=names.get(e.actor_id, ""),
            action=e.actions[0],
            object_type=e.target_type,
            object_id=e.target_id,
            object_repr=e.target_repr[:200],
            details={},
            state=e.state,
            note=e.note,
        )
        for e in events
    ]
    # created_at is auto_now_add, which bulk_create sets to now; bulk_update does not.
    created = audit_model.objects.bulk_create(rows, batch_size=BATCH)
    for row, event in zip(created, events, strict=True):
        row.created_at = event.at
    audit_model.objects.bulk_update(created, ["created_at"], batch_size=BATCH)


def unfold(
    audit_model: Any,
    event_model: Any,
    target_model: Any,
    target_type: str,
    target_field: str,
    note_field: str,
    owner: tuple[str, str] | None = None,
) -> None:
    """Undo `fold` for a migration run backwards: an old event (with its time) for each
    audit row of the history, as the services wrote them before. The audit rows stay,
    as they were before `fold` (no state or note; with `owner`, its object type and the
    target's foreign key to it, pointing at the object they were written for), so a
    second `fold` finds them again."""
    targets = dict(target_model.objects.values_list("pk", owner[1] if owner else "pk"))
    limit = event_model._meta.get_field(note_field).max_length
    rows = [
        row
        for row in audit_model.objects.filter(object_type=target_type)
        .exclude(state="")
        .order_by("created_at", "id")
        if int(row.object_id) in targets
    ]
    created = event_model.objects.bulk_create(
        [
            event_model(
                **{
                    f"{target_field}_id": int(row.object_id),
                    "actor_id": row.actor_id,
                    "state": row.state,
                    note_field: row.note[:limit],
                }
            )
            for row in rows
        ],
        batch_size=BATCH,
    )
    for event, row in zip(created, rows, strict=True):
        event.at = row.created_at  # auto_now_add, which bulk_update leaves alone
    event_model.objects.bulk_update(created, ["at"], batch_size=BATCH)
    for row in rows:
        row.state = row.note = ""
        if owner is not None:
            row.object_type, row.object_id = owner[0], str(targets[int(row.object_id)])
    audit_model.objects.bulk_update(
        rows, ["state", "note", "object_type", "object_id"], batch_size=BATCH
    )
