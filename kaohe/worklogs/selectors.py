"""Reads of work records, scoped by the acting user (R2.2).

Who reads a log: its author; everyone now in the log's unit; the unit heads and
team members of that unit and of its ancestors. Anyone else gets 404.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.http import Http404
from django.utils.translation import gettext as _

from kaohe.accounts.access import OVERSIGHT_ROLES, region_id_of, scope_of
from kaohe.accounts.models import Role, User
from kaohe.core import clock, sql
from kaohe.core.cache import user_cached
from kaohe.core.calendar import region_calendar
from kaohe.core.http import parse_day, parse_id
from kaohe.org.models import IN_SCOPE_STATUSES, Leave, Membership, Person, Unit
from kaohe.org.selectors import org_version
from kaohe.worklogs.compliance import (
    ComplianceReport,
    UnitsReport,
    compliance_by_unit,
    compliance_report,
)
from kaohe.worklogs.models import LogComment, LogRead, Summary, WorkLog, WorklogPolicy
from kaohe.worklogs.policies import policy_for
from kaohe.worklogs.rules import CALENDAR_MARGIN, backfill_deadline

if TYPE_CHECKING:
    pass

LEADER_ROLES = frozenset({Role.UNIT_HEAD, Role.TEAM_MEMBER})
# Supervisors (督导组) inspect the units their grant covers: they read those units' logs
# but do not comment on them (commenting is the leaders', `can_lead`).
READER_ROLES = LEADER_ROLES | {Role.SUPERVISOR}


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


@dataclass(slots=True)  # not frozen: a page builds twenty, and frozen fields cost
class FeedEntry:
    """A log as the feed shows it, read as rows rather than model instances: who
    read it, the comments (name, text), and what the viewer may do with it."""

    log_id: int
    person_id: int
    person_name: str
    unit_id: int
    unit_name: str
    day: dt.date
    content: str
    timeliness: str
    revision_count: int
    readers: list[str]
    comments: list[tuple[str, str]]
    mine: bool  # the viewer wrote it: nothing to mark read or comment
    read_by_me: bool
    can_comment: bool  # `can_lead`


@dataclass(frozen=True)
class FeedPage:
    items: list[FeedEntry]
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


# The feed's unit filter offers at most this many units: the top of a larger scope
# (a supervisor's whole region), whose deeper units the person filter still reaches.
FEED_PICKER_UNITS = 300


@dataclass(frozen=True)
class FeedScope:
    """The units whose logs a user reads (besides their own), for the feed's parts and
    its unit filter: all of them in tree order, or when there are more than
    `FEED_PICKER_UNITS`, the top ones (`complete` False)."""

    units: tuple[tuple[int, str], ...]  # (id, name)
    complete: bool

    @property
    def unit_ids(self) -> list[int]:
        return [pk for pk, _name in self.units]


FEED_SCOPE_TOPIC = "feed-scope"


def _build_feed_scope(user: User) -> FeedScope:
    units = list(
        _readable_units(user)
        .order_by("depth", "path")
        .values_list("pk", "name", "path")[: FEED_PICKER_UNITS + 1]
    )
    complete = len(units) <= FEED_PICKER_UNITS
    shown = sorted(units[:FEED_PICKER_UNITS], key=lambda unit: unit[2])
    return FeedScope(tuple((pk, name) for pk, name, _path in shown), complete)


def feed_scope(user: User) -> FeedScope:
    """`_readable_units` as cached for the user: it follows their memberships today,
    their reader grants and the region's units. The grants' scope, the day and the
    region's organization version (`org_version`, changed by every write of units or
    memberships) are the stamp, so no write has to find the users it concerns."""
    cached: FeedScope | None = getattr(user, "_kaohe_feed_scope", None)
    if cached is not None:
        return cached
    if user.region_id is None:
        return FeedScope((), True)
    stamp = (
        user.date_joined,
        user.person_id,
        user.region_id,
        clock.today(),
        org_version(user.region_id),
        scope_of(user, READER_ROLES),
    )
    cached = user_cached(FEED_SCOPE_TOPIC, user.pk, lambda: _build_feed_scope(user), stamp=stamp)
    user._kaohe_feed_scope = cached  # type: ignore[attr-defined]
    return cached


def _feed_parts(
    user: User, flt: FeedFilter, cursor: FeedCursor | None, older: bool, size: int
) -> list[tuple[str, list[Any]]]:
    """The readable logs matching `flt`, beyond `cursor`, as a union of parts that
    an index each returns in the feed's order, at most `size` (id, day) rows each: one
    person's logs (person, day), one unit's logs (unit, day, id), or the region's logs
    by date (region, day, id, unit). Together they are exactly `WorkLog.objects.filter(
    readable_logs_filter(user))` narrowed by the filter (a log in two parts is one row
    of the union). Written as SQL from the model's names: a queryset per part cost
    more than the part's SQL."""
    region_id = region_id_of(user)
    direction = "DESC" if older else "ASC"
    table = sql.table(WorkLog)
    by_day = f"ORDER BY {table}.{_DAY} {direction}"
    by_day_id = f"{by_day}, {table}.{_ID} {direction}"
    scope = feed_scope(user)
    if scope.complete:
        readable_sql = ", ".join(["%s"] * len(scope.units))
        readable_params: list[Any] = scope.unit_ids
    else:  # the cached units are the top of a larger scope: the rule itself, in SQL
        readable_query = _readable_units(user).values("pk").query
        readable_sql, subquery_params = readable_query.sql_with_params()
        readable_params = list(subquery_params)
    select = f"SELECT {table}.{_ID}, {table}.{_DAY} FROM {table} WHERE"  # noqa: S608
    where, params = _feed_conditions(region_id, flt, cursor, older, region_indexed=False)
    person = f"{table}.{sql.column(WorkLog, 'person_id')}"
    unit = f"{table}.{sql.column(WorkLog, 'unit_id')}"
    if flt.person_id:
        if flt.person_id == user.person_id:
            part = f"{select} {where} AND {person} = %s {by_day} LIMIT {size}"
            return [(part, [*params, flt.person_id])]
        if scope.complete and not scope.units:
            return []  # nobody else's logs are readable
        part = f"{select} {where} AND {person} = %s AND {unit} IN ({readable_sql}) {by_day}"
        return [(f"{part} LIMIT {size}", [*params, flt.person_id, *readable_params])]
    unit_ids = scope.unit_ids
    few = scope.complete and len(unit_ids) <= FEED_UNIT_PARTS
    if flt.unit_id:
        unit_ids = [flt.unit_id] if flt.unit_id in unit_ids else []
        if not unit_ids and not scope.complete:
            unit_ids = list(
                _readable_units(user).filter(pk=flt.unit_id).values_list("pk", flat=True)
            )
        few = True
    parts: list[tuple[str, list[Any]]] = []
    if user.person_id:
        part = f"{select} {where} AND {person} = %s {by_day} LIMIT {size}"
        parts.append((part, [*params, user.person_id]))
    if few:
        part = f"{select} {where} AND {unit} = %s {by_day_id} LIMIT {size}"
        parts += [(part, [*params, unit_id]) for unit_id in unit_ids]
    else:
        # The region's index this time (region, day, id, unit): the plain column.
        where, params = _feed_conditions(region_id, flt, cursor, older, region_indexed=True)
        part = f"{select} {where} AND {unit} IN ({readable_sql}) {by_day_id} LIMIT {size}"
        parts.append((part, [*params, *readable_params]))
    return parts


def _feed_conditions(
    region_id: int, flt: FeedFilter, cursor: FeedCursor | None, older: bool, *, region_indexed: bool
) -> tuple[str, list[Any]]:
    """The region, the filter, and the place beyond `cursor`, as SQL on the log table.

    Unless `region_indexed`, SQLite gets the region's column as `+region_id`, which its
    planner may not take an index for: it keeps no statistics here and would walk an
    index that the column leads and that covers the query, the whole region's, rather
    than the person's or unit's. PostgreSQL gets the plain column, whose selectivity
    it knows."""
    table = sql.table(WorkLog)
    region = f"{table}.{sql.column(WorkLog, 'region_id')}"
    if not region_indexed:
        region = sql.unindexed(region)
    day = f"{table}.{_DAY}"
    where = [f"{region} = %s"]
    params: list[Any] = [region_id]
    if flt.unit_id:
        where.append(f"{table}.{sql.column(WorkLog, 'unit_id')} = %s")
        params.append(flt.unit_id)
    if flt.start:
        where.append(f"{day} >= %s")
        params.append(flt.start)
    if flt.end:
        where.append(f"{day} <= %s")
        params.append(flt.end)
    if flt.text:
        # Substring match: Chinese has no spaces, so word-based full-text would miss.
        # The ORM writes it for each database (LIKE with escapes, or UPPER on both).
        text = WorkLog.objects.filter(content__icontains=flt.text).query
        text_sql, text_params = text.get_compiler(connection=connection).compile(text.where)
        where.append(text_sql)
        params.extend(text_params)
    if cursor is not None:
        # The plain bound on the day serves indexes on (…, day); the row comparison,
        # those on (…, day, id), which then start right at the cursor.
        where.append(f"{day} {'<=' if older else '>='} %s")
        where.append(f"({day}, {table}.{_ID}) {'<' if older else '>'} (%s, %s)")
        params.extend([cursor.day, cursor.day, cursor.log_id])
    return " AND ".join(where), params


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
    and nothing counts the whole feed. One query: the page's logs with their
    authors and units, their reads and comments."""
    older = after is None
    cursor = after if after is not None else before
    parts = [
        (f"SELECT {_ID}, {_DAY} FROM ({part_sql}) AS part{i}", part_params)  # noqa: S608
        for i, (part_sql, part_params) in enumerate(_feed_parts(user, flt, cursor, older, size + 1))
    ]
    if not parts:
        return FeedPage([], None, None)
    direction = "DESC" if older else "ASC"
    # Compiled querysets, names from the model and values as parameters, never input.
    page_sql = (
        f"SELECT {_ID} FROM ({' UNION '.join(sql for sql, _params in parts)} "  # noqa: S608
        f"ORDER BY {_DAY} {direction}, {_ID} {direction} LIMIT {size + 1}) AS page"
    )
    with connection.cursor() as db:
        db.execute(page_sql, [p for _sql, params in parts for p in params])
        page_ids = [row[0] for row in db.fetchall()]
    entries = _entries(user, page_ids)
    more = len(entries) > size
    if older:
        entries = entries[:size]
        newer = _cursor(entries[0]) if entries and before is not None else None
        return FeedPage(entries, older=_cursor(entries[-1]) if more else None, newer=newer)
    entries = entries[-size:] if more else entries
    return FeedPage(
        entries,
        older=_cursor(entries[-1]) if entries else None,
        newer=_cursor(entries[0]) if more else None,
    )


def _cursor(entry: FeedEntry) -> FeedCursor:
    return FeedCursor(entry.day, entry.log_id)


def feed_entries(user: User, log_ids: list[int]) -> list[FeedEntry]:
    """The feed's entries of logs the caller has checked `user` may read (`log_get`),
    newest first: a log's item after it was marked read or commented on."""
    return _entries(user, log_ids)


def _entries(user: User, log_ids: list[int]) -> list[FeedEntry]:
    """The logs of `log_ids`, newest first, with author, unit, reads and comments: one
    query of rows, whatever the number of logs (querysets and model instances cost
    more than the SQL here), a statement PostgreSQL prepares once per connection: its
    planning cost twice its run, on every feed page (sql.execute_prepared)."""
    if not log_ids:
        return []
    ids_sql, params = sql.in_ids(_ID, log_ids)
    with connection.cursor() as cursor:
        sql.execute_prepared(
            cursor, "kaohe_feed_entries", _entries_sql(ids_sql), ["bigint[]"], params
        )
        rows = cursor.fetchall()
    logs = [row for row in rows if row[0] == _LOG]
    if not logs:
        return []
    readers: dict[int, list[str]] = {row[1]: [] for row in logs}
    read_by: dict[int, set[int]] = {row[1]: set() for row in logs}
    comments: dict[int, list[tuple[str, str]]] = {row[1]: [] for row in logs}
    for kind, log_id, user_id, name, *_unit, text, _t, _r, _at, _n in rows:
        if kind == _READ:
            readers[log_id].append(name)
            read_by[log_id].add(user_id)
        elif kind == _COMMENT:
            comments[log_id].append((name, text))
    scope = scope_of(user, LEADER_ROLES)
    return [
        FeedEntry(
            log_id=log_id,
            person_id=person_id,
            person_name=person_name,
            unit_id=unit_id,
            unit_name=unit_name,
            # SQLite's driver returns the text of a date.
            day=day if isinstance(day, dt.date) else dt.date.fromisoformat(day),
            content=content,
            timeliness=timeliness,
            revision_count=revision_count,
            readers=readers[log_id],
            comments=comments[log_id],
            mine=person_id == user.person_id,
            read_by_me=user.pk in read_by[log_id],
            can_comment=scope.covers_path(unit_path, unit_id),
        )
        for (
            _kind,
            log_id,
            person_id,
            person_name,
            unit_id,
            unit_name,
            unit_path,
            day,
            content,
            timeliness,
            revision_count,
            _at,
            _n,
        ) in logs
    ]


_LOG, _READ, _COMMENT = 0, 1, 2


@sql.statement
def _entries_sql(ids_condition: str) -> str:
    """The logs whose ids meet `ids_condition` (one parameter: sql.in_ids) with their
    author and unit, their reads and comments (`_entries_body`), in one statement."""
    page = f"SELECT {_ID} FROM {sql.table(WorkLog)} WHERE {ids_condition}"  # noqa: S608
    return f"WITH page AS ({page}) {_entries_body()}"


@sql.statement
def _entries_body() -> str:
    """The logs of the CTE named page (its ids) with their author and unit, then
    each read of them in the order they were read and each comment in the order
    written, in one statement of 13 columns: (_LOG, log, person, person's name, unit,
    unit's name, unit's path, day, content, timeliness, revisions, NULL, NULL), or
    (_READ or _COMMENT, log, user, name, NULL, '', '', NULL, text, '', 0, time, row id).
    Someone without a person shows as their user name. Each name is a scalar subquery
    by key: joined with the notes, PostgreSQL hashed every account (a cost that grows
    with the region's accounts) and planned the joins for longer than they ran; and
    one statement rather than two saves a round trip and a second plan."""
    c = sql.column

    def name_of(model: type[LogRead] | type[LogComment], column: str) -> str:
        return (
            f"(SELECT COALESCE(p.{c(Person, 'name')}, u.{c(User, 'username')}) "  # noqa: S608
            f"FROM {sql.table(User)} u LEFT JOIN {sql.table(Person)} p "
            f"ON p.{c(Person, 'id')} = u.{c(User, 'person_id')} "
            f"WHERE u.{c(User, 'id')} = x.{c(model, column)})"
        )

    no_day = _null("date")
    no_id = _null("bigint")
    notes = [
        (
            f"SELECT {kind}, x.{c(model, 'log_id')}, x.{c(model, who)}, {name_of(model, who)}, "  # noqa: S608
            f"{no_id}, '', '', {no_day}, {text}, '', 0, x.{c(model, at)}, x.{c(model, 'id')} "
            f"FROM {sql.table(model)} x WHERE x.{c(model, 'log_id')} IN (SELECT {_ID} FROM page)"
        )
        for kind, model, who, text, at in (
            (_READ, LogRead, "reader_id", "''", "read_at"),
            (_COMMENT, LogComment, "author_id", f"x.{c(LogComment, 'content')}", "created_at"),
        )
    ]
    logs = (
        f"SELECT {_LOG}, l.{_ID}, l.{c(WorkLog, 'person_id')}, p.{c(Person, 'name')}, "  # noqa: S608
        f"l.{c(WorkLog, 'unit_id')}, u.{c(Unit, 'name')}, u.{c(Unit, 'path')}, l.{_DAY}, "
        f"l.{c(WorkLog, 'content')}, l.{c(WorkLog, 'timeliness')}, "
        f"l.{c(WorkLog, 'revision_count')}, {_null('ts')}, {no_id} "
        f"FROM {sql.table(WorkLog)} l "
        f"JOIN {sql.table(Person)} p ON p.{c(Person, 'id')} = l.{c(WorkLog, 'person_id')} "
        f"JOIN {sql.table(Unit)} u ON u.{c(Unit, 'id')} = l.{c(WorkLog, 'unit_id')} "
        f"WHERE l.{_ID} IN (SELECT {_ID} FROM page)"
    )
    # Logs newest first; reads and comments each by time, then id.
    return f"{logs} UNION ALL {' UNION ALL '.join(notes)} ORDER BY 1, 8 DESC, 2 DESC, 12, 13"


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


def day_state_label(state: str) -> str:
    """A day's state as the month view's legend, the today page's badge and the API
    name it."""
    if state == "written":
        return _("On time")
    if state == "backfilled":
        return _("Backfilled")
    if state == "open":
        return _("Can still be written")
    if state == "missing":
        return _("Missing")
    if state == "future":
        return _("Not yet")
    return _("Rest day / not required")


@sql.statement
def _person_days_sql(wide: bool = False) -> str:
    """The person's in-scope positions, leave and logs of a window in one statement
    (UNION ALL): (kind, first day, last day or NULL, timeliness, content of the one
    day asked for). Written out: compiling the three querysets and their union cost
    more than the query (the same filters as Membership.objects.overlapping().in_scope(),
    Leave and WorkLog); only the models' names go into the text, values are parameters.
    `wide` pads each row to the columns of `_own_log_branches`, so that the day page
    reads both in one statement (`_day_page_sql`)."""
    m, lv, w = Membership, Leave, WorkLog
    mc, lc, wc = (functools.partial(sql.column, model) for model in (m, lv, w))
    statuses = ", ".join(["%s"] * len(IN_SCOPE_STATUSES))
    pad = f", {_null('bigint')}, 0, '', {_null('ts')}, {_null('bigint')}"
    pad = pad if wide else ""
    return (
        f"SELECT 'm', {mc('valid_from')}, {mc('valid_to')}, '', ''{pad} FROM {sql.table(m)} "  # noqa: S608
        f"WHERE {mc('person')} = %s AND {mc('valid_from')} <= %s "
        f"AND ({mc('valid_to')} IS NULL OR {mc('valid_to')} >= %s) "
        f"AND {mc('status')} IN ({statuses}) "
        f"UNION ALL SELECT 'l', {lc('start')}, {lc('end')}, '', ''{pad} FROM {sql.table(lv)} "
        f"WHERE {lc('person')} = %s AND {lc('start')} <= %s AND {lc('end')} >= %s "
        f"UNION ALL SELECT 'w', {wc('day')}, {wc('day')}, {wc('timeliness')}, "
        f"CASE WHEN {wc('day')} = %s THEN {wc('content')} ELSE '' END{pad} FROM {sql.table(w)} "
        f"WHERE {wc('person')} = %s AND {wc('day')} >= %s AND {wc('day')} <= %s"
    )


def _null(kind: str) -> str:
    """A typed NULL: PostgreSQL resolves a UNION's column types pair by pair, so two
    untyped NULLs first in a column become text and then clash with a number."""
    if not sql.is_postgres():
        return "NULL"
    return f"CAST(NULL AS {_NULL_TYPES[kind]})"


_NULL_TYPES = {"bigint": "bigint", "ts": "timestamptz", "date": "date"}


def _person_days_params(
    person_id: int, first: dt.date, last: dt.date, content_day: dt.date | None
) -> list[Any]:
    ops = connection.ops
    lo, hi = ops.adapt_datefield_value(first), ops.adapt_datefield_value(last)
    asked = ops.adapt_datefield_value(content_day or first)
    params: list[Any] = [person_id, hi, lo, *sorted(IN_SCOPE_STATUSES)]
    return [*params, person_id, hi, lo, asked, person_id, lo, hi]


def _as_date(value: dt.date | str | None) -> dt.date | None:
    """A date as the driver returns it (a union's column may come back as text)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class _PersonRows:
    spans: list[tuple[dt.date, dt.date | None]]
    leaves: list[tuple[dt.date, dt.date]]
    logs: dict[dt.date, str]  # day: timeliness
    content: str  # the log of the day asked for, or ""


def _person_rows(
    person_id: int, first: dt.date, last: dt.date, content_day: dt.date | None
) -> _PersonRows:
    params = _person_days_params(person_id, first, last, content_day)
    with connection.cursor() as cursor:
        cursor.execute(_person_days_sql(), params)
        return _person_rows_of(cursor.fetchall(), content_day)


def _person_rows_of(rows: Iterable[Sequence[Any]], content_day: dt.date | None) -> _PersonRows:
    """`_person_rows` from the rows of `_person_days_sql` (either form)."""
    spans: list[tuple[dt.date, dt.date | None]] = []
    leaves: list[tuple[dt.date, dt.date]] = []
    logs: dict[dt.date, str] = {}
    content = ""
    for kind, a, b, timeliness, text, *_wide in rows:
        a, b = _as_date(a), _as_date(b)
        assert a is not None
        if kind == "m":
            spans.append((a, b))
        elif kind == "l":
            assert b is not None
            leaves.append((a, b))
        else:
            logs[a] = timeliness
            if content_day is not None and a == content_day:
                content = text
    return _PersonRows(spans, leaves, logs, content)


def _person_days(
    user: User,
    first: dt.date,
    last: dt.date,
    today: dt.date,
    rows: _PersonRows | None = None,
    policy: WorklogPolicy | None = None,
) -> dict[dt.date, DayCell]:
    assert user.person_id is not None
    region_id = region_id_of(user)
    # The region's rules, unless the caller already read them (one cache read fewer).
    policy = policy or policy_for(region_id)
    cal = region_calendar(region_id, first - CALENDAR_MARGIN, max(last, today) + CALENDAR_MARGIN)
    if rows is None:
        rows = _person_rows(user.person_id, first, last, None)
    spans, leaves, logs = rows.spans, rows.leaves, rows.logs
    cells: dict[dt.date, DayCell] = {}
    day = first
    one = dt.timedelta(days=1)
    while day <= last:
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
        elif not (
            any(a <= day and (b is None or day <= b) for a, b in spans)
            and not any(a <= day <= b for a, b in leaves)
        ):
            cells[day] = DayCell(day, "none")
        else:
            deadline = backfill_deadline(cal, day, policy.backfill_workdays)
            cells[day] = DayCell(day, "open" if today <= deadline else "missing", deadline)
        day += one
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


@dataclass(frozen=True)
class DayView:
    """The day view's reads: the day's cell (None for a user who writes no logs), the
    open days (oldest first), and the text of the day's log ("" when it has none)."""

    cell: DayCell | None
    open_days: list[DayCell]
    content: str
    recent: list[OwnLog] = field(default_factory=list)


def day_view(
    user: User,
    day: dt.date,
    today: dt.date,
    recent: int = 0,
    policy: WorklogPolicy | None = None,
) -> DayView:
    """`day_cell`, `open_days` and the day's text, and with `recent` the user's newest
    logs as `my_recent_logs(user, recent)` reads them (`policy`: the region's rules, if
    the caller has read them): one query when the day is among
    the last 31, where the open days are (two otherwise, and one more for the logs)."""
    if not user.person_id:
        return DayView(None, [], "")
    first = today - dt.timedelta(days=31)
    if first <= day <= today:
        logs: list[OwnLog] = []
        if recent:
            params = [
                user.person_id,
                recent,
                *_person_days_params(user.person_id, first, today, day),
            ]
            with connection.cursor() as cursor:
                cursor.execute(_day_page_sql(), params)
                both = cursor.fetchall()
            rows = _person_rows_of((r for r in both if r[0] in "mlw"), day)
            logs = _own_logs_of(r for r in both if r[0] not in "mlw")
        else:
            rows = _person_rows(user.person_id, first, today, day)
        cells = _person_days(user, first, today, today, rows, policy)
        return DayView(
            cells.get(day), [c for c in cells.values() if c.state == "open"], rows.content, logs
        )
    rows = _person_rows(user.person_id, day, day, day)
    cell = _person_days(user, day, day, today, rows, policy).get(day)
    logs = my_recent_logs(user, recent) if recent else []
    return DayView(cell, open_days(user, today), rows.content, logs)


def day_and_open_days(
    user: User, day: dt.date, today: dt.date
) -> tuple[DayCell | None, list[DayCell]]:
    """`day_cell` and `open_days` (`day_view` without the text)."""
    view = day_view(user, day, today)
    return view.cell, view.open_days


@dataclass(frozen=True)
class OwnLog:
    """One of the user's own logs as the day view lists it (worklogs/_log_item.html for
    the author: no read or comment form)."""

    log_id: int
    day: dt.date
    content: str
    timeliness: str
    revision_count: int
    unit_name: str
    readers: list[str]
    comments: list[tuple[str, str]]


def _own_log_branches() -> tuple[str, str]:
    """The author's newest logs (a CTE named l, parameters: the person, how many) and the
    branches that read them with their unit's name, who read them and the comments on
    them, in the ten columns of `_person_days_sql`'s wide form: (kind, day, NULL, text,
    other, log id, revisions, unit name, time, row id). Kind "o" is a log (text: its
    content, other: its timeliness), "r" a read (text: the reader's name), "c" a comment
    (text: its author's name, other: its content).

    The notes find their logs through the CTE rather than a list of ids read first (one
    round trip, not two), and each name is a scalar subquery by key: as a join of the
    notes with every account, PostgreSQL hashed the whole accounts table (0.35 ms in the
    city, growing with its accounts) and planning the joins cost more than running them."""
    w, u, r, c, usr, p = WorkLog, Unit, LogRead, LogComment, User, Person

    def name_of(alias: str, model: type[LogRead] | type[LogComment], column: str) -> str:
        # `name or username`: a blank person name falls back to the account's name.
        return (
            f"(SELECT COALESCE(NULLIF(p.{sql.column(p, 'name')}, ''), "  # noqa: S608
            f"a.{sql.column(usr, 'username')}) FROM {sql.table(usr)} a "
            f"LEFT JOIN {sql.table(p)} p "
            f"ON p.{sql.column(p, 'id')} = a.{sql.column(usr, 'person')} "
            f"WHERE a.{sql.column(usr, 'id')} = {alias}.{sql.column(model, column)})"
        )

    logs = (
        f"SELECT {sql.column(w, 'id')} AS id, {sql.column(w, 'day')} AS day, "  # noqa: S608
        f"{sql.column(w, 'content')} AS content, {sql.column(w, 'timeliness')} AS timeliness, "
        f"{sql.column(w, 'revision_count')} AS revisions, {sql.column(w, 'unit')} AS unit_id "
        f"FROM {sql.table(w)} WHERE {sql.column(w, 'person')} = %s "
        f"ORDER BY {sql.column(w, 'day')} DESC LIMIT %s"
    )
    no_day = _null("date")
    branches = (
        f"SELECT 'o', l.day, {no_day}, l.content, l.timeliness, l.id, l.revisions, "  # noqa: S608
        f"u.{sql.column(u, 'name')}, {_null('ts')}, {_null('bigint')} FROM l "
        f"JOIN {sql.table(u)} u ON u.{sql.column(u, 'id')} = l.unit_id "
        f"UNION ALL SELECT 'r', {no_day}, {no_day}, {name_of('r', r, 'reader')}, '', "
        f"r.{sql.column(r, 'log')}, 0, '', r.{sql.column(r, 'read_at')}, r.{sql.column(r, 'id')} "
        f"FROM {sql.table(r)} r WHERE r.{sql.column(r, 'log')} IN (SELECT id FROM l) "
        f"UNION ALL SELECT 'c', {no_day}, {no_day}, {name_of('c', c, 'author')}, "
        f"c.{sql.column(c, 'content')}, c.{sql.column(c, 'log')}, 0, '', "
        f"c.{sql.column(c, 'created_at')}, c.{sql.column(c, 'id')} "
        f"FROM {sql.table(c)} c WHERE c.{sql.column(c, 'log')} IN (SELECT id FROM l)"
    )
    return logs, branches


# Logs newest first; reads and comments each by time, then id (as `log_items` reads them).
_OWN_ORDER = " ORDER BY 1, 2 DESC, 9, 10"


@sql.statement
def _own_logs_sql() -> str:
    logs, branches = _own_log_branches()
    return f"WITH l AS ({logs}) {branches}{_OWN_ORDER}"


@sql.statement
def _day_page_sql() -> str:
    """The day page's reads in one statement: the person's days (`_person_days_sql`'s
    wide form), then their newest logs with reads and comments."""
    logs, branches = _own_log_branches()
    days = _person_days_sql(wide=True)
    return f"WITH l AS ({logs}) {days} UNION ALL {branches}{_OWN_ORDER}"


def _own_logs_of(rows: Iterable[Sequence[Any]]) -> list[OwnLog]:
    """The logs of `_own_log_branches`' rows (in `_OWN_ORDER`) with their notes."""
    logs: list[OwnLog] = []
    notes: list[Sequence[Any]] = []
    for kind, day, _b, text, other, log_id, revisions, unit_name, _at, _n in rows:
        if kind == "o":
            day = _as_date(day) or dt.date.min
            logs.append(OwnLog(log_id, day, text, other, revisions, unit_name, [], []))
        else:
            notes.append((kind, log_id, text, other))
    # Comments sort before the logs ("c" < "o"): the notes are placed once all are read.
    by_id = {log.log_id: log for log in logs}
    for kind, log_id, text, other in notes:
        if kind == "r":
            by_id[log_id].readers.append(text)
        else:
            by_id[log_id].comments.append((text, other))
    return logs


def my_recent_logs(user: User, limit: int = 10) -> list[OwnLog]:
    """The user's newest logs with who read them and the comments: one query (written
    out, as `_person_rows`), whatever their number."""
    if not user.person_id:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_own_logs_sql(), [user.person_id, limit])
        return _own_logs_of(cursor.fetchall())


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
