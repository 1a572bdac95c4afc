"""Reads of work records, scoped by the acting user (R2.2).

Who reads a log: its author; everyone now in the log's unit; the unit heads and
team members of that unit and of its ancestors. Anyone else gets 404.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.http import Http404

from kaohe.accounts.access import region_id_of, scope_of
from kaohe.accounts.models import Role, User
from kaohe.core import clock, sql
from kaohe.core.calendar import region_calendar
from kaohe.core.http import parse_day, parse_id
from kaohe.org.models import Leave, Membership, Unit
from kaohe.worklogs.compliance import (
    ComplianceReport,
    UnitsReport,
    compliance_by_unit,
    compliance_report,
)
from kaohe.worklogs.models import LogComment, LogRead, Summary, WorkLog
from kaohe.worklogs.rules import CALENDAR_MARGIN, backfill_deadline
from kaohe.worklogs.services import policy_for

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

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


def units_led(user: User, units: Iterable[Unit]) -> set[int]:
    """The ids of those of `units` whose logs `user` may comment on (`can_lead`)."""
    scope = scope_of(user, LEADER_ROLES)
    return {unit.pk for unit in units if scope.covers_path(unit.path, unit.pk)}


@dataclass(frozen=True)
class LogItem:
    """A log as its item shows it (worklogs/_log_item.html): who read it, the
    comments (name, text), and whether the viewer has marked it read."""

    log: WorkLog
    readers: list[str]
    comments: list[tuple[str, str]]
    read_by_me: bool


def log_items(user: User, logs: list[WorkLog]) -> list[LogItem]:
    """The items of `logs` in two queries whatever their number: names and texts as
    rows rather than model instances, which a page of twenty logs would build by
    the hundred (prefetch_related makes a queryset per log)."""
    ids = [log.pk for log in logs]
    readers: dict[int, list[str]] = {pk: [] for pk in ids}
    mine: set[int] = set()
    reads = (
        LogRead.objects.filter(log_id__in=ids)
        .order_by("read_at", "id")
        .values_list("log_id", "reader_id", "reader__person__name", "reader__username")
    )
    for log_id, reader_id, name, username in reads:
        readers[log_id].append(name or username)
        if reader_id == user.pk:
            mine.add(log_id)
    comments: dict[int, list[tuple[str, str]]] = {pk: [] for pk in ids}
    rows = (
        LogComment.objects.filter(log_id__in=ids)
        .order_by("created_at", "id")
        .values_list("log_id", "author__person__name", "author__username", "content")
    )
    for log_id, name, username, text in rows:
        comments[log_id].append((name or username, text))
    return [LogItem(log, readers[log.pk], comments[log.pk], log.pk in mine) for log in logs]


def log_get(user: User, log_id: int) -> WorkLog:
    log = (
        WorkLog.objects.filter(readable_logs_filter(user), pk=log_id)
        .select_related("person", "unit")
        .first()
    )
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


@dataclass(frozen=True)
class FeedCursor:
    """A place in the feed: a log's (day, id), the feed's order (newest first)."""

    day: dt.date
    log_id: int

    @property
    def token(self) -> str:
        return f"{self.day.isoformat()}.{self.log_id}"

    @classmethod
    def parse(cls, raw: str | None) -> FeedCursor | None:
        """The cursor of a link's token ("2026-03-02.4711"), or None for anything else."""
        day_part, _, id_part = (raw or "").partition(".")
        day, ok = parse_day(day_part, None)
        log_id = parse_id(id_part)
        if not ok or day is None or log_id is None:
            return None
        return cls(day, log_id)

    @classmethod
    def of(cls, log: WorkLog) -> FeedCursor:
        return cls(log.day, log.pk)


@dataclass(frozen=True)
class FeedPage:
    items: list[LogItem]
    older: FeedCursor | None  # the last log shown, when older ones follow
    newer: FeedCursor | None  # the first log shown, when newer ones precede it


# Up to this many readable units, each unit's logs are read from its own index
# (unit, day, id) and merged; beyond it, the region's logs are walked newest first
# (region, day, id, unit) keeping the readable units' ones, which are then dense
# enough that a page needs few index entries (decision "Feeds by keyset").
FEED_UNIT_PARTS = 40
_ID = sql.column(WorkLog, "id")
_DAY = sql.column(WorkLog, "day")


def _readable_units(user: User) -> QuerySet[Unit]:
    """The units whose logs `user` reads (besides their own logs): the same rule as
    `readable_logs_filter`, as a set of units."""
    readers = scope_of(user, READER_ROLES).unit_filter()
    return Unit.objects.filter(Q(pk__in=_current_unit_ids(user)) | readers)


class _UnindexedOnSqlite(Func):
    """A column that SQLite's planner may not take an index for (unary plus): it keeps
    no statistics here and would walk an index that the column leads and that covers
    the query, the whole region's, rather than the person's or unit's. PostgreSQL
    gets the plain column, whose selectivity it knows."""

    template = "%(expressions)s"
    output_field = BigIntegerField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> _AsSqlType:
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra)


@dataclass(frozen=True)
class _FeedPart:
    """Some readable logs, and whether they are one person's (one log a day: the
    day alone orders them, as their index (person, day) does)."""

    logs: QuerySet[WorkLog]
    one_person: bool


def _feed_parts(
    user: User, flt: FeedFilter, cursor: FeedCursor | None, older: bool
) -> list[_FeedPart]:
    """The readable logs matching `flt`, beyond `cursor`, as a union of parts that
    an index each returns in the feed's order: one person's logs (person, day), one
    unit's logs (unit, day, id), or the region's logs by date (region, day, id,
    unit). Together they are exactly `WorkLog.objects.filter(readable_logs_filter(
    user))` narrowed by the filter (a log in two parts is one row of the union)."""
    region_id = region_id_of(user)
    region = _UnindexedOnSqlite("region_id")
    logs = _narrowed(
        WorkLog.objects.alias(region_key=region).filter(region_key=region_id),
        flt,
        cursor,
        older,
    )
    units = _readable_units(user)
    if flt.person_id:
        person_logs = logs.filter(person_id=flt.person_id)
        if flt.person_id != user.person_id:
            person_logs = person_logs.filter(unit_id__in=units.values("pk"))
        return [_FeedPart(person_logs, one_person=True)]
    if flt.unit_id:
        units = units.filter(pk=flt.unit_id)
    parts = [_FeedPart(logs.filter(person_id=user.person_id), True)] if user.person_id else []
    unit_ids = list(units.values_list("pk", flat=True)[: FEED_UNIT_PARTS + 1])
    if len(unit_ids) <= FEED_UNIT_PARTS:
        parts += [_FeedPart(logs.filter(unit_id=unit_id), False) for unit_id in unit_ids]
    else:
        dense = WorkLog.objects.filter(region_id=region_id, unit_id__in=units.values("pk"))
        parts.append(_FeedPart(_narrowed(dense, flt, cursor, older), False))
    return parts


def _narrowed(
    qs: QuerySet[WorkLog], flt: FeedFilter, cursor: FeedCursor | None, older: bool
) -> QuerySet[WorkLog]:
    """`qs` narrowed by the filter, and to the logs beyond `cursor`."""
    conditions: dict[str, object] = {}
    if flt.unit_id:
        conditions["unit_id"] = flt.unit_id
    if flt.start:
        conditions["day__gte"] = flt.start
    if flt.end:
        conditions["day__lte"] = flt.end
    if flt.text:
        # Substring match: Chinese has no spaces, so word-based full-text would miss.
        conditions["content__icontains"] = flt.text
    if cursor is None:
        return qs.filter(**conditions)
    # The plain bound on the day serves indexes on (…, day); the row comparison,
    # those on (…, day, id), which then start right at the cursor.
    conditions["day__lte" if older else "day__gte"] = cursor.day
    table = sql.table(WorkLog)
    beyond = RawSQL(  # noqa: S611 - names from the model, values as parameters
        f"({table}.{_DAY}, {table}.{_ID}) {'<' if older else '>'} (%s, %s)",
        (cursor.day, cursor.log_id),
        output_field=BooleanField(),
    )
    return qs.filter(beyond, **conditions)


def log_feed(
    user: User,
    flt: FeedFilter,
    *,
    before: FeedCursor | None = None,
    after: FeedCursor | None = None,
    size: int = 20,
) -> FeedPage:
    """A page of the logs `user` reads, newest first: the newest, or those just
    older than `before`, or just newer than `after`. Keyset paging: each part of the
    union reads at most a page from its index, whatever the length of the history,
    and nothing counts the whole feed."""
    older = after is None
    cursor = after if after is not None else before
    sign = "-" if older else ""
    parts: list[str] = []
    params: list[object] = []
    for i, part in enumerate(_feed_parts(user, flt, cursor, older)):
        order = [f"{sign}day"] if part.one_person else [f"{sign}day", f"{sign}id"]
        keys = part.logs.order_by(*order).values_list("id", "day")[: size + 1]
        try:
            part_sql, part_params = keys.query.sql_with_params()
        except EmptyResultSet:  # a part that can hold nothing (no readable unit)
            continue
        parts.append(f"SELECT {_ID}, {_DAY} FROM ({part_sql}) AS part{i}")  # noqa: S608
        params.extend(part_params)
    if not parts:
        return FeedPage([], None, None)
    direction = "DESC" if older else "ASC"
    # Compiled querysets, names from the model and values as parameters, never input.
    page_ids = RawSQL(  # noqa: S611
        f"SELECT {_ID} FROM ({' UNION '.join(parts)} "  # noqa: S608
        f"ORDER BY {_DAY} {direction}, {_ID} {direction} LIMIT {size + 1}) AS page",
        params,
    )
    logs = list(_shown(WorkLog.objects.filter(pk__in=page_ids)).order_by("-day", "-id"))
    more = len(logs) > size
    if older:
        logs = logs[:size]
        newer = FeedCursor.of(logs[0]) if logs and before is not None else None
        return FeedPage(
            log_items(user, logs), older=FeedCursor.of(logs[-1]) if more else None, newer=newer
        )
    logs = logs[-size:] if more else logs
    return FeedPage(
        log_items(user, logs),
        older=FeedCursor.of(logs[-1]) if logs else None,
        newer=FeedCursor.of(logs[0]) if more else None,
    )


def _shown(qs: QuerySet[WorkLog]) -> QuerySet[WorkLog]:
    """Only the columns a log item shows (worklogs/_log_item.html, `can_lead`)."""
    return qs.select_related("person", "unit").only(
        "person_id",
        "unit_id",
        "day",
        "content",
        "timeliness",
        "revision_count",
        "person__name",
        "unit__name",
        "unit__path",
    )


def feed_units(user: User) -> QuerySet[Unit]:
    """Units whose logs the user may browse, for the feed's unit filter."""
    return _readable_units(user).order_by("path")


def my_logs(user: User, limit: int = 10) -> list[LogItem]:
    if not user.person_id:
        return []
    logs = _shown(WorkLog.objects.filter(person_id=user.person_id)).order_by("-day")
    return log_items(user, list(logs[:limit]))


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


def day_and_open_days(
    user: User, day: dt.date, today: dt.date
) -> tuple[DayCell | None, list[DayCell]]:
    """`day_cell` and `open_days` (the day view), from one read of the user's days
    when the day is among the last 31, where the open days are."""
    if not user.person_id:
        return None, []
    first = today - dt.timedelta(days=31)
    if not first <= day <= today:
        return day_cell(user, day, today), open_days(user, today)
    cells = _person_days(user, first, today, today)
    return cells.get(day), [c for c in cells.values() if c.state == "open"]


def my_summaries(user: User) -> list[Summary]:
    if not user.person_id:
        return []
    return list(Summary.objects.filter(person_id=user.person_id).order_by("-year", "-quarter")[:8])


def oversight_units(user: User) -> QuerySet[Unit]:
    return Unit.objects.filter(scope_of(user, OVERSIGHT_ROLES).unit_filter())


def oversees_region(user: User) -> bool:
    """Whether `user` oversees every unit of their region (its office, a region-wide
    supervisor): the compliance page's view of all units is then the region's."""
    scope = scope_of(user, OVERSIGHT_ROLES)
    return scope.region_wide and scope.region_id is not None


def compliance_root(user: User, root_id: int) -> Unit:
    """A unit `user` oversees (404 outside)."""
    root = oversight_units(user).filter(pk=root_id).first()
    if root is None:
        raise Http404
    return root


def compliance_units(user: User, root_id: int | None) -> QuerySet[Unit]:
    """The units `user` oversees, narrowed to `root_id`'s subtree (404 outside)."""
    units = oversight_units(user)
    if root_id is not None:
        units = units.filter(path__startswith=compliance_root(user, root_id).path)
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


def compliance_by_unit_for(
    user: User, *, root_id: int | None, start: dt.date, end: dt.date, today: dt.date
) -> UnitsReport:
    """The same figures per unit, without a row per person (the page's view of all
    the units `user` oversees)."""
    region_id = region_id_of(user)
    whole_region = root_id is None and scope_of(user, OVERSIGHT_ROLES).region_wide
    return compliance_by_unit(
        region_id=region_id,
        units=None if whole_region else compliance_units(user, root_id),
        start=start,
        end=end,
        today=today,
        policy=policy_for(region_id),
    )


def compliance_top_units(user: User) -> QuerySet[Unit]:
    """The top of the units `user` oversees (the region's top level, or the units the
    grants name), for the compliance page's unit picker."""
    scope = scope_of(user, OVERSIGHT_ROLES)
    units = oversight_units(user)
    if scope.region_wide:
        return units.filter(parent__isnull=True)
    # A subtree grant's unit is the last id of its path.
    named = [int(path.rstrip("/").rsplit("/", 1)[-1]) for path in scope.subtree_paths]
    return units.filter(pk__in=[*named, *scope.exact_unit_ids])


def compliance_unit_path(user: User, root: Unit) -> list[Unit]:
    """`root` and those of its ancestors `user` oversees, from the top (a breadcrumb)."""
    ids = [int(part) for part in root.path.split("/") if part]
    return list(oversight_units(user).filter(pk__in=ids).order_by("path"))


def compliance_unit_search(user: User, text: str) -> QuerySet[Unit]:
    """Units `user` oversees whose name contains `text` or whose code is `text`."""
    text = text.strip()
    if not text:
        return Unit.objects.none()
    return oversight_units(user).filter(Q(name__icontains=text) | Q(code=text)).order_by("path")


def _owing_today(user: User, today: dt.date) -> QuerySet[Membership]:
    """The in-scope positions in the user's units that owe today's log (on leave: none)."""
    region_id = region_id_of(user)
    if not region_calendar(region_id, today, today).is_workday(today):
        return Membership.objects.none()
    on_leave = Leave.objects.filter(region_id=region_id, start__lte=today, end__gte=today).values(
        "person_id"
    )
    members = Membership.objects.filter(region_id=region_id)
    if not scope_of(user, OVERSIGHT_ROLES).region_wide:
        members = members.filter(unit__in=oversight_units(user))
    return members.on(today).in_scope().exclude(person_id__in=on_leave)


def not_written_today(user: User, today: dt.date) -> QuerySet[Membership]:
    """Who in the user's units owes today's log and has not written it yet, by unit:
    all of them, or their count. NOT IN over the day's logs is one hashed read of an
    index range; NOT EXISTS would probe the log index once per person (ten times
    slower for a city's count)."""
    written = WorkLog.objects.filter(region_id=region_id_of(user), day=today).values("person_id")
    return (
        _owing_today(user, today)
        .exclude(person_id__in=written)
        .select_related("person", "unit")
        .order_by("unit__path", "person__staff_no")
    )


def not_written_today_names(user: User, today: dt.date, limit: int) -> list[tuple[str, str]]:
    """The first `limit` of them, (name, unit name), by unit. Here the database walks the
    units in order and probes each person's log (NOT EXISTS), stopping at `limit`,
    instead of reading and sorting the region."""
    written = WorkLog.objects.filter(person_id=OuterRef("person_id"), day=today)
    return list(
        _owing_today(user, today)
        .exclude(Exists(written))
        .order_by("unit__path", "person__staff_no")
        .values_list("person__name", "unit__name")[:limit]
    )
