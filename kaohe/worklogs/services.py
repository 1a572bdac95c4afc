"""Writes to work records: logs, summaries, read receipts and comments (R2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.access import forget_facts
from kaohe.accounts.home_cache import home_forget_user
from kaohe.accounts.models import User
from kaohe.core import clock, sql
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.calendar import region_calendar
from kaohe.core.errors import ApplicationError
from kaohe.core.models import Notification
from kaohe.core.text import clean_text, visible_length
from kaohe.org.models import IN_SCOPE_STATUSES, Leave, Membership, Person, Region
from kaohe.worklogs.compliance import compliance_forget
from kaohe.worklogs.errors import WorklogErrorCode
from kaohe.worklogs.models import (
    LOG_INSERT_FIELDS,
    LogComment,
    LogRead,
    Summary,
    SummaryKind,
    Timeliness,
    WorkLog,
)
from kaohe.worklogs.policies import policy_for
from kaohe.worklogs.rules import CALENDAR_MARGIN, Period, backfill_deadline

COMMENT_MAX_CHARS = 500


def _author(actor: User) -> Person:
    if actor.person_id is None or actor.person is None:
        raise ApplicationError(
            _("Your account is not linked to a person, so it has no work log."),
            code=WorklogErrorCode.NO_PERSON,
        )
    return actor.person


def _check_length(text: str, minimum: int, maximum: int) -> str:
    """The text, checked; its length counts what a reader sees (kaohe.core.text)."""
    text = clean_text(text)
    n = visible_length(text)
    if not n:
        raise ApplicationError(
            _("The text is empty. Write what you did, then submit."),
            code=WorklogErrorCode.TEXT_EMPTY,
        )
    if n < minimum:
        raise ApplicationError(
            _("The text has %(n)s characters; write at least %(min)s.") % {"n": n, "min": minimum},
            code=WorklogErrorCode.TEXT_TOO_SHORT,
        )
    if n > maximum:
        raise ApplicationError(
            _("The text has %(n)s characters; at most %(max)s are allowed. Shorten it by %(over)s.")
            % {"n": n, "max": maximum, "over": n - maximum},
            code=WorklogErrorCode.TEXT_TOO_LONG,
        )
    return text


def _unit_on(person: Person, day: dt.date) -> int:
    """The unit of `person`'s in-scope membership on `day`, refusing days they owe no log."""
    on = connection.ops.adapt_datefield_value(day)
    with connection.cursor() as cursor:
        cursor.execute(_position_sql(), [on, on, *_position_params(person, on)])
        row = cursor.fetchone()
    if row is None:
        raise ApplicationError(
            _("On %(day)s you were not in an assessed position, so no log is needed for that day.")
            % {"day": day.isoformat()},
            code=WorklogErrorCode.NOT_ASSESSED_ON_DAY,
        )
    unit_id, on_leave = row
    if on_leave:
        raise ApplicationError(
            _("You were on recorded leave on %(day)s, so no log is needed for that day.")
            % {"day": day.isoformat()},
            code=WorklogErrorCode.ON_LEAVE,
        )
    return int(unit_id)


# The position and leave lookups are written out in SQL: the same filters as
# Membership.objects.on(day).in_scope() and Leave, but compiling those querysets took
# 2 ms of CPU, a third of all the Python work of a submission. Only the models' own
# table and column names go into the text; values are parameters.


def _position_params(person: Person, on: Any) -> list[Any]:
    return [person.pk, on, on, *sorted(IN_SCOPE_STATUSES)]


@sql.statement
def _position_from() -> str:
    """FROM and WHERE of `person`'s in-scope memberships in force on a day."""
    m = Membership
    statuses = ", ".join(["%s"] * len(IN_SCOPE_STATUSES))
    return (
        f"FROM {sql.table(m)} m WHERE m.{sql.column(m, 'person')} = %s "
        f"AND m.{sql.column(m, 'valid_from')} <= %s "
        f"AND (m.{sql.column(m, 'valid_to')} IS NULL OR m.{sql.column(m, 'valid_to')} >= %s) "
        f"AND m.{sql.column(m, 'status')} IN ({statuses})"
    )


@sql.statement
def _on_leave() -> str:
    """Whether the membership's person was on recorded leave on a day."""
    m, lv = Membership, Leave
    return (
        f"EXISTS (SELECT 1 FROM {sql.table(lv)} l "  # noqa: S608
        f"WHERE l.{sql.column(lv, 'person')} = m.{sql.column(m, 'person')} "
        f"AND l.{sql.column(lv, 'start')} <= %s AND l.{sql.column(lv, 'end')} >= %s)"
    )


@sql.statement
def _position_sql() -> str:
    return f"SELECT m.{sql.column(Membership, 'unit')}, {_on_leave()} {_position_from()} LIMIT 1"


def _region_of(actor: User, person: Person) -> Region:
    # The user's region comes with the user (accounts.backends); a person has one region.
    if actor.region_id == person.region_id and actor.region is not None:
        return actor.region
    return person.region


@sql.statement
def _log_insert_sql() -> str:
    columns = sql.columns(WorkLog, LOG_INSERT_FIELDS)
    m = Membership
    return (
        f"INSERT INTO {sql.table(WorkLog)} ({columns}) "
        f"SELECT %s, m.{sql.column(m, 'person')}, m.{sql.column(m, 'unit')}, %s, %s, %s, %s, %s, 0 "
        f"{_position_from()} AND NOT {_on_leave()} LIMIT 1 "
        f"ON CONFLICT ({sql.column(WorkLog, 'person')}, {sql.column(WorkLog, 'day')}) DO NOTHING "
        f"RETURNING {sql.column(WorkLog, 'id')}, {sql.column(WorkLog, 'unit')}"
    )


def _log_insert(
    person: Person, day: dt.date, text: str, timeliness: str, now: dt.datetime
) -> tuple[int, int] | None:
    """Insert the person's log of `day` in one statement, in the unit of their in-scope
    membership that day; (id, unit id), or None when nothing was inserted: they owe
    no log that day (not in scope, on leave) or have written it already.

    The unique constraint decides between two simultaneous first writes, so they leave
    one log: the second waits for the first to commit, then finds it and edits it."""
    ops = connection.ops
    on = ops.adapt_datefield_value(day)
    at = ops.adapt_datetimefield_value(now)
    params = [person.region_id, on, text, timeliness, at, at]
    params += [*_position_params(person, on), on, on]
    with connection.cursor() as cursor:
        cursor.execute(_log_insert_sql(), params)
        row = cursor.fetchone()
    return None if row is None else (int(row[0]), int(row[1]))


@transaction.atomic
def worklog_submit(
    *, actor: User, day: dt.date, content: str, today: dt.date | None = None
) -> WorkLog:
    """Write or edit the actor's log for `day`, within the backfill window."""
    person = _author(actor)
    today = today or clock.today()
    policy = policy_for(person.region_id)
    text = _check_length(content, policy.log_min_chars, policy.log_max_chars)
    if day > today:
        raise ApplicationError(
            _("%(day)s has not come yet; logs are written on the day or after.")
            % {"day": day.isoformat()},
            code=WorklogErrorCode.DAY_IN_FUTURE,
        )
    # The margin every calendar here uses: an override that closes a region for weeks
    # must not push the deadline past the calendar's end.
    cal = region_calendar(
        person.region_id, day - dt.timedelta(days=1), max(day, today) + CALENDAR_MARGIN
    )
    if not cal.is_workday(day):
        raise ApplicationError(
            _("%(day)s is not a working day; no log is needed.") % {"day": day.isoformat()},
            code=WorklogErrorCode.NOT_WORKING_DAY,
        )
    deadline = backfill_deadline(cal, day, policy.backfill_workdays)
    if today > deadline:
        raise ApplicationError(
            _(
                "The log of %(day)s could be written until %(deadline)s (%(n)s working days "
                "after it); that deadline has passed."
            )
            % {
                "day": day.isoformat(),
                "deadline": deadline.isoformat(),
                "n": policy.backfill_workdays,
            },
            code=WorklogErrorCode.DAY_CLOSED,
        )
    now = timezone.now()
    timeliness = Timeliness.ON_TIME if day == today else Timeliness.BACKFILLED
    inserted = _log_insert(person, day, text, timeliness, now)
    if inserted is not None:
        log_id, unit_id = inserted
        log = WorkLog(
            pk=log_id,
            region_id=person.region_id,
            person=person,
            unit_id=unit_id,
            day=day,
            content=text,
            timeliness=timeliness,
            created_at=now,
            updated_at=now,
            revision_count=0,
        )
        log._state.adding = False
        log._state.db = connection.alias
        created = True
        home_forget_user(actor.pk)  # the day is written: its task and today's card change
        compliance_forget(person.region_id)  # the region's figures count it
    else:
        _unit_on(person, day)  # says why, when the day needs no log
        log = WorkLog.objects.select_for_update().get(person=person, day=day)
        created = False
        if not _revise(log, text):
            return log
    audit_record(
        actor=actor,
        action=AuditAction.WORKLOGS_LOG_CREATE if created else AuditAction.WORKLOGS_LOG_EDIT,
        obj=log,
        region=_region_of(actor, person),
        details={"day": day.isoformat(), "timeliness": log.timeliness, "chars": len(text)},
    )
    return log


def _revise(written: WorkLog | Summary, text: str) -> bool:
    """Replace the text of a log or summary, keeping the old one as a revision; False
    (and nothing written) when the text is the same."""
    if written.content == text:
        return False
    written.revisions.create(content=written.content)
    written.content = text
    written.revision_count += 1
    written.save(update_fields=["content", "revision_count", "updated_at"])
    return True


@transaction.atomic
def summary_submit(
    *,
    actor: User,
    kind: SummaryKind,
    period: Period,
    content: str,
    today: dt.date | None = None,
) -> Summary:
    """Write or edit a quarterly or annual summary within its window."""
    person = _author(actor)
    today = today or clock.today()
    policy = policy_for(person.region_id)
    if kind == SummaryKind.QUARTERLY:
        if period.quarter not in (1, 2, 3, 4):
            raise ApplicationError(
                _("Choose a quarter from 1 to 4."), code=WorklogErrorCode.BAD_PERIOD
            )
        text = _check_length(content, policy.quarterly_min_chars, policy.quarterly_max_chars)
    else:
        period = Period(period.year)
        text = _check_length(content, policy.annual_min_chars, policy.annual_max_chars)
    if today < period.summary_opens:
        raise ApplicationError(
            _("The summary of %(period)s can be written from %(day)s.")
            % {"period": period.label(), "day": period.summary_opens.isoformat()},
            code=WorklogErrorCode.SUMMARY_NOT_OPEN,
        )
    cal = region_calendar(
        person.region_id, period.end - CALENDAR_MARGIN, period.end + CALENDAR_MARGIN
    )
    deadline = backfill_deadline(cal, period.end, policy.backfill_workdays)
    if today > deadline:
        raise ApplicationError(
            _(
                "The summary of %(period)s could be written until %(deadline)s; "
                "that deadline has passed."
            )
            % {"period": period.label(), "deadline": deadline.isoformat()},
            code=WorklogErrorCode.SUMMARY_CLOSED,
        )
    membership = (
        Membership.objects.filter(person=person)
        .overlapping(period.start, period.end)
        .in_scope()
        .select_related("unit")
        .order_by("-valid_from")
        .first()
    )
    if membership is None:
        raise ApplicationError(
            _("You were not in an assessed position during %(period)s.")
            % {"period": period.label()},
            code=WorklogErrorCode.NOT_ASSESSED_IN_PERIOD,
        )
    summary, created = Summary.objects.select_for_update().get_or_create(
        person=person,
        kind=kind,
        year=period.year,
        quarter=period.quarter,
        defaults={
            "region_id": person.region_id,
            "unit": membership.unit,
            "content": text,
            "timeliness": Timeliness.ON_TIME if today <= period.end else Timeliness.BACKFILLED,
        },
    )
    if not created and not _revise(summary, text):
        return summary
    audit_record(
        actor=actor,
        action=AuditAction.WORKLOGS_SUMMARY_CREATE
        if created
        else AuditAction.WORKLOGS_SUMMARY_EDIT,
        obj=summary,
        region=membership.unit.region,
        details={"kind": kind, "year": period.year, "quarter": period.quarter},
    )
    return summary


@transaction.atomic
def log_mark_read(*, reader: User, log: WorkLog) -> bool:
    """Record 已阅; returns False when the reader had already read it or wrote it."""
    if reader.person_id == log.person_id:
        return False
    _read, created = LogRead.objects.get_or_create(log=log, reader=reader)
    if created:
        audit_record(
            actor=reader, action=AuditAction.WORKLOGS_LOG_READ, obj=log, region=log.unit.region
        )
    return created


@transaction.atomic
def log_comment(*, actor: User, log: WorkLog, content: str) -> LogComment:
    """A leader's comment; it also marks the log read and notifies the author."""
    text = _check_length(content, 1, COMMENT_MAX_CHARS)
    comment = LogComment.objects.create(log=log, author=actor, content=text)
    if actor.person_id != log.person_id:
        LogRead.objects.get_or_create(log=log, reader=actor)
        author_user = User.objects.filter(person_id=log.person_id).first()
        if author_user is not None:
            name = actor.person.name if actor.person else actor.get_username()
            Notification.objects.create(
                user=author_user,
                text=_("%(name)s commented on your log of %(day)s")
                % {"name": name, "day": log.day.isoformat()},
                url=reverse("worklogs:today") + f"#log-{log.pk}",
            )
            forget_facts([author_user.pk])
    audit_record(
        actor=actor,
        action=AuditAction.WORKLOGS_LOG_COMMENT,
        obj=log,
        region=log.unit.region,
        details={"comment": comment.pk},
    )
    return comment
