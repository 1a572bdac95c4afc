"""Reads of core records: the audit log (region administrators only, their own region
only) and the acting user's unread notifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet, TextChoices
from django.http import Http404
from django.utils import timezone

from kaohe.accounts.access import forget_facts, is_region_admin, region_id_of, user_facts
from kaohe.accounts.models import User
from kaohe.core.models import AuditEvent

AUDIT_PAGE_SIZE = 50

# Settings edited in Django admin are written as admin.<model>.<verb> (core.admin_base):
# the filter offers them as one group, read as a range of codes an index serves.
ADMIN_ACTIONS = "admin."


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass(frozen=True)
class AuditCursor:
    """A row's place in the log's order (newest first): its time and id."""

    created_at: dt.datetime
    id: int

    _EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

    @classmethod
    def of(cls, event: AuditEvent) -> AuditCursor:
        return cls(event.created_at, event.pk)

    def token(self) -> str:
        """Microseconds since the epoch and the id: exact, short, and only digits."""
        micros = (self.created_at - self._EPOCH) // dt.timedelta(microseconds=1)
        return f"{micros}-{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> AuditCursor | None:
        """The cursor a link carried; None for anything else (the newest page)."""
        micros, _sep, pk = (text or "").partition("-")
        if not (micros.isascii() and micros.isdigit() and pk.isascii() and pk.isdigit()):
            return None
        if len(micros) > 17 or len(pk) > 18:
            return None
        try:
            at = cls._EPOCH + dt.timedelta(microseconds=int(micros))
        except OverflowError:
            return None
        return cls(at, int(pk))


@dataclass
class AuditPage:
    events: list[AuditEvent]
    # Where the "older" and "newer" links continue; None: there is nothing that way.
    older: AuditCursor | None
    newer: AuditCursor | None


def audit_events(user: User, flt: AuditFilter) -> QuerySet[AuditEvent]:
    """The region's events that match the filter, newest first.

    Each filter the page offers is served by an index that ends in (time, id), so a
    page is read from the index in order: (region, time, id), (region, action, time,
    id), (region, actor name, time, id)."""
    if not is_region_admin(user):
        raise Http404
    qs = AuditEvent.objects.filter(region_id=region_id_of(user))
    if flt.action == ADMIN_ACTIONS:
        # A range rather than LIKE: SQLite and PostgreSQL both read it from the index.
        qs = qs.filter(action__gte=ADMIN_ACTIONS, action__lt="admin/")
    elif flt.action:
        qs = qs.filter(action=flt.action)
    if flt.actor:
        qs = qs.filter(actor_name=flt.actor)
    tz = timezone.get_current_timezone()
    if flt.date_from:
        qs = qs.filter(created_at__gte=dt.datetime.combine(flt.date_from, dt.time.min, tz))
    if flt.date_to:
        end = dt.datetime.combine(flt.date_to + dt.timedelta(days=1), dt.time.min, tz)
        qs = qs.filter(created_at__lt=end)
    return qs.order_by("-created_at", "-id")


def audit_page(
    user: User,
    flt: AuditFilter,
    *,
    before: AuditCursor | None = None,
    after: AuditCursor | None = None,
    size: int = AUDIT_PAGE_SIZE,
) -> AuditPage:
    """One page of the log: the newest events, those older than `before`, or those newer
    than `after`. Paged by keyset, not offset, and never counted: a deep page costs what
    the first does, one query of `size` + 1 rows."""
    qs = audit_events(user, flt).only(
        "id", "created_at", "actor_name", "action", "object_repr", "details"
    )
    if after is not None:
        # The time bound alone is what the index range uses; the id settles equal times.
        newer = qs.filter(
            Q(created_at__gte=after.created_at)
            & (Q(created_at__gt=after.created_at) | Q(id__gt=after.id))
        ).order_by("created_at", "id")
        rows = list(newer[: size + 1])
        more_newer = len(rows) > size
        events = rows[:size][::-1]
        if not events:
            return AuditPage([], None, None)
        return AuditPage(
            events,
            older=AuditCursor.of(events[-1]),
            newer=AuditCursor.of(events[0]) if more_newer else None,
        )
    if before is not None:
        qs = qs.filter(
            Q(created_at__lte=before.created_at)
            & (Q(created_at__lt=before.created_at) | Q(id__lt=before.id))
        )
    rows = list(qs[: size + 1])
    events = rows[:size]
    older = AuditCursor.of(events[-1]) if len(rows) > size else None
    if before is None:
        return AuditPage(events, older, None)
    if not events:
        return AuditPage([], None, None)
    return AuditPage(events, older, AuditCursor.of(events[0]))


def unread_notifications(user: User) -> int:
    """How many of the user's notifications are unread (the header's bell, every page):
    one of the user's cached facts (`accounts.access.user_facts`), dropped by
    `unread_forget`, which the services that write notifications call."""
    return user_facts(user).unread


def unread_forget(user_ids: Iterable[int]) -> None:
    """Call where notifications are created for these users or marked read."""
    forget_facts(user_ids)


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
