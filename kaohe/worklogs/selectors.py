"""Reads of work records, scoped by the acting user (R2.2).

Who reads a log: its author; everyone now in the log's unit; the unit heads and
team members of that unit and of its ancestors. Anyone else gets 404.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import CharField, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.http import Http404

from kaohe.accounts.access import region_id_of, scope_of
from kaohe.accounts.models import Role, User
from kaohe.core import clock
from kaohe.core.calendar import region_calendar
from kaohe.org.models import Leave, Membership, Unit
from kaohe.worklogs.compliance import ComplianceReport, compliance_report
from kaohe.worklogs.models import LogComment, LogRead, Summary, WorkLog
from kaohe.worklogs.rules import CALENDAR_MARGIN, backfill_deadline
from kaohe.worklogs.services import policy_for

LEADER_ROLES = frozenset({Role.UNIT_HEAD, Role.TEAM_MEMBER})
# Supervisors (督导组) inspect the units their grant covers: they read those units' logs
# but do not comment on them (commenting is the leaders', `can_lead`).
READER_ROLES = LEADER_ROLES | {Role.SUPERVISOR}
OVERSIGHT_ROLES = frozenset(
    {Role.REGION_ADMIN, Role.UNIT_ADMIN, Role.UNIT_HEAD, Role.TEAM_MEMBER, Role.SUPERVISOR}
)


def _current_unit_ids(user: User) -> list[int]:
    cached: list[int] | None = getattr(user, "_kaohe_current_units", None)
    if cached is None:
        cached = (
            list(
                Membership.objects.filter(person_id=user.person_id)
                .on(clock.today())
                .in_scope()
                .values_list("unit_id", flat=True)
            )
            if user.person_id
            else []
        )
        user._kaohe_current_units = cached  # type: ignore[attr-defined]
    return cached


def readable_logs_filter(user: User) -> Q:
    """A filter on WorkLog for the logs `user` may read."""
    region = Q(region_id=region_id_of(user))
    mine = Q(person_id=user.person_id) if user.person_id else Q(pk__in=[])
    colleagues = Q(unit_id__in=_current_unit_ids(user))
    readers = scope_of(user, READER_ROLES).unit_filter(prefix="unit__")
    return region & (mine | colleagues | readers)


def can_lead(user: User, unit: Unit) -> bool:
    """Heads and team members of the unit or of an ancestor may comment."""
    return scope_of(user, LEADER_ROLES).covers_path(unit.path, unit.pk)


def _with_reactions(qs: QuerySet[WorkLog], user: User) -> QuerySet[WorkLog]:
    """Person, unit, reads and comments in a fixed number of queries, and whether
    `user` has already marked each log read."""
    read_by_me = LogRead.objects.filter(log=OuterRef("pk"), reader=user)
    return (
        qs.select_related("person", "unit")
        .annotate(read_by_me=Exists(read_by_me))
        .prefetch_related(
            Prefetch(
                "reads",
                queryset=LogRead.objects.select_related("reader__person").order_by("read_at"),
            ),
            Prefetch("comments", queryset=LogComment.objects.select_related("author__person")),
        )
    )


def log_get(user: User, log_id: int) -> WorkLog:
    log = _with_reactions(
        WorkLog.objects.filter(readable_logs_filter(user), pk=log_id), user
    ).first()
    if log is None:
        raise Http404
    return log


@dataclass(frozen=True)
class FeedFilter:
    unit_id: int | None = None
    person_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    text: str = ""


def log_feed(user: User, flt: FeedFilter) -> QuerySet[WorkLog]:
    qs = WorkLog.objects.filter(readable_logs_filter(user))
    if flt.unit_id:
        qs = qs.filter(unit_id=flt.unit_id)
    if flt.person_id:
        qs = qs.filter(person_id=flt.person_id)
    if flt.start:
        qs = qs.filter(day__gte=flt.start)
    if flt.end:
        qs = qs.filter(day__lte=flt.end)
    if flt.text:
        # Substring match: Chinese has no spaces, so word-based full-text would miss.
        qs = qs.filter(content__icontains=flt.text)
    return _with_reactions(qs.order_by("-day", "-id"), user)


def feed_units(user: User) -> QuerySet[Unit]:
    """Units whose logs the user may browse, for the feed's unit filter."""
    readers = scope_of(user, READER_ROLES).unit_filter()
    return Unit.objects.filter(Q(pk__in=_current_unit_ids(user)) | readers).order_by("path")


def my_logs(user: User, limit: int = 10) -> list[WorkLog]:
    if not user.person_id:
        return []
    return list(_with_reactions(WorkLog.objects.filter(person_id=user.person_id), user)[:limit])


def log_revisions(user: User, log: WorkLog) -> list[str]:
    """Earlier texts of a log, newest first: for its author and its leaders only."""
    if user.person_id != log.person_id and not can_lead(user, log.unit):
        raise Http404
    return list(log.revisions.values_list("content", flat=True))


@dataclass(frozen=True)
class DayCell:
    day: dt.date
    state: str  # written, backfilled, missing, open, rest, none, future, outside
    deadline: dt.date | None = None  # a working day's last day for writing or editing

    def writable(self, today: dt.date) -> bool:
        """Whether the log of this day may still be written or edited."""
        return self.deadline is not None and today <= self.deadline


def _person_days(
    user: User, first: dt.date, last: dt.date, today: dt.date
) -> dict[dt.date, DayCell]:
    assert user.person_id is not None
    region_id = region_id_of(user)
    policy = policy_for(region_id)
    cal = region_calendar(region_id, first - CALENDAR_MARGIN, max(last, today) + CALENDAR_MARGIN)
    # The person's positions, leave and logs of the window in one query (UNION ALL):
    # (kind, first day, last day or None, timeliness).
    text = CharField()
    spans_q = (
        Membership.objects.filter(person_id=user.person_id)
        .overlapping(first, last)
        .in_scope()
        .order_by()
        .annotate(k=Value("m", text), a=F("valid_from"), b=F("valid_to"), t=Value("", text))
        .values_list("k", "a", "b", "t")
    )
    leaves_q = (
        Leave.objects.filter(person_id=user.person_id, start__lte=last, end__gte=first)
        .order_by()
        .annotate(k=Value("l", text), a=F("start"), b=F("end"), t=Value("", text))
        .values_list("k", "a", "b", "t")
    )
    logs_q = (
        WorkLog.objects.filter(person_id=user.person_id, day__range=(first, last))
        .order_by()
        .annotate(k=Value("w", text), a=F("day"), b=F("day"), t=F("timeliness"))
        .values_list("k", "a", "b", "t")
    )
    spans: list[tuple[dt.date, dt.date | None]] = []
    leaves: list[tuple[dt.date, dt.date]] = []
    logs: dict[dt.date, str] = {}
    for kind, a, b, timeliness in spans_q.union(leaves_q, logs_q, all=True):
        if kind == "m":
            spans.append((a, b))
        elif kind == "l":
            leaves.append((a, b))
        else:
            logs[a] = timeliness
    cells: dict[dt.date, DayCell] = {}
    day = first
    while day <= last:
        in_scope = any(a <= day and (b is None or day <= b) for a, b in spans) and not any(
            a <= day <= b for a, b in leaves
        )
        if day in logs:
            state = "written" if logs[day] == "on_time" else "backfilled"
            # A written log is edited within the same window (worklog_submit).
            deadline = (
                backfill_deadline(cal, day, policy.backfill_workdays)
                if cal.is_workday(day)
                else None
            )
            cells[day] = DayCell(day, state, deadline)
        elif day > today:
            cells[day] = DayCell(day, "future")
        elif not cal.is_workday(day):
            cells[day] = DayCell(day, "rest")
        elif not in_scope:
            cells[day] = DayCell(day, "none")
        else:
            deadline = backfill_deadline(cal, day, policy.backfill_workdays)
            cells[day] = DayCell(day, "open" if today <= deadline else "missing", deadline)
        day += dt.timedelta(days=1)
    return cells


def month_cells(user: User, year: int, month: int, today: dt.date) -> list[list[DayCell | None]]:
    """The month as weeks (Monday first) of the user's day states; None pads the grid."""
    if not user.person_id:
        return []
    first = dt.date(year, month, 1)
    last = dt.date(year, month, pycalendar.monthrange(year, month)[1])
    cells = _person_days(user, first, last, today)
    weeks: list[list[DayCell | None]] = []
    for week in pycalendar.Calendar().monthdatescalendar(year, month):
        weeks.append([cells.get(d) if d.month == month else None for d in week])
    return weeks


def day_state(user: User, today: dt.date) -> DayCell | None:
    """Today as the user's calendar shows it (written, backfilled, open, rest, none),
    or None for a user who writes no logs."""
    if not user.person_id:
        return None
    return _person_days(user, today, today, today).get(today)


def day_cell(user: User, day: dt.date, today: dt.date) -> DayCell | None:
    """One day of the user's calendar, with its deadline (the day view), or None for a
    user who writes no logs."""
    if not user.person_id:
        return None
    return _person_days(user, day, day, today).get(day)


def recent_days(user: User, today: dt.date) -> dict[dt.date, DayCell]:
    """The user's days of the last month up to today, or {} for a user who writes no
    logs: the home page reads today's card and the open days from this one window."""
    if not user.person_id:
        return {}
    return _person_days(user, today - dt.timedelta(days=31), today, today)


def open_days(user: User, today: dt.date) -> list[DayCell]:
    """Unwritten working days the user may still write (today included), oldest first."""
    return [c for c in recent_days(user, today).values() if c.state == "open"]


def my_summaries(user: User) -> list[Summary]:
    if not user.person_id:
        return []
    return list(Summary.objects.filter(person_id=user.person_id).order_by("-year", "-quarter")[:8])


def oversight_units(user: User) -> QuerySet[Unit]:
    return Unit.objects.filter(scope_of(user, OVERSIGHT_ROLES).unit_filter())


def compliance_units(user: User, root_id: int | None) -> QuerySet[Unit]:
    """The units `user` oversees, narrowed to `root_id`'s subtree (404 outside)."""
    units = oversight_units(user)
    if root_id is not None:
        root = units.filter(pk=root_id).first()
        if root is None:
            raise Http404
        units = units.filter(path__startswith=root.path)
    return units


def compliance_for(
    user: User, *, root_id: int | None, start: dt.date, end: dt.date, today: dt.date
) -> ComplianceReport:
    """Compliance over the units `user` oversees, narrowed to `root_id`'s subtree."""
    units = compliance_units(user, root_id)
    region_id = region_id_of(user)
    return compliance_report(
        region_id=region_id,
        units=units,
        start=start,
        end=end,
        today=today,
        policy=policy_for(region_id),
    )


def not_written_today(user: User, today: dt.date) -> list[Membership]:
    """Who in the user's units owes today's log and has not written it yet."""
    region_id = region_id_of(user)
    cal = region_calendar(region_id, today, today)
    if not cal.is_workday(today):
        return []
    written = WorkLog.objects.filter(region_id=region_id, day=today).values("person_id")
    on_leave = Leave.objects.filter(region_id=region_id, start__lte=today, end__gte=today).values(
        "person_id"
    )
    return list(
        Membership.objects.filter(unit__in=oversight_units(user))
        .on(today)
        .in_scope()
        .exclude(person_id__in=written)
        .exclude(person_id__in=on_leave)
        .select_related("person", "unit")
        .order_by("unit__path", "person__staff_no")
    )
