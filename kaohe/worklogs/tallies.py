"""Monthly log tallies: recount, compare and rebuild (LogMonthTally).

Database triggers keep the tallies current on every write (migration 0004); these
functions serve the paths that bypass them (a bulk loader that switches triggers
off) and the check that tallies still equal a recount (`manage.py worklog_tallies`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from kaohe.accounts.models import User
from kaohe.core import sql
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.org.models import Region
from kaohe.worklogs.compliance import compliance_forget
from kaohe.worklogs.models import LogMonthTally, Timeliness, WorkLog

TallyKey = tuple[int, int, dt.date]  # person, unit, first day of the month
Counts = tuple[int, int]  # on time, backfilled


def recount(region_id: int) -> dict[TallyKey, Counts]:
    """What the tallies of a region should hold, counted from the logs."""
    rows = (
        WorkLog.objects.filter(region_id=region_id)
        .annotate(month=TruncMonth("day"))
        .values_list("person_id", "unit_id", "month")
        .annotate(
            on_time=Count("id", filter=Q(timeliness=Timeliness.ON_TIME)),
            backfilled=Count("id", filter=Q(timeliness=Timeliness.BACKFILLED)),
        )
        .order_by()
    )
    return {(p, u, _as_date(m)): (a, b) for p, u, m, a, b in rows}


def stored(region_id: int) -> dict[TallyKey, Counts]:
    """What the tallies of a region hold."""
    rows = LogMonthTally.objects.filter(region_id=region_id).values_list(
        "person_id", "unit_id", "month", "on_time", "backfilled"
    )
    return {(p, u, m): (a, b) for p, u, m, a, b in rows}


def differences(region_id: int) -> list[tuple[TallyKey, Counts | None, Counts | None]]:
    """(key, stored, recounted) for every tally that does not match its logs."""
    have, want = stored(region_id), recount(region_id)
    return sorted(
        (key, have.get(key), want.get(key))
        for key in have.keys() | want.keys()
        if have.get(key) != want.get(key)
    )


@transaction.atomic
def tallies_rebuild(*, actor: User | None, region_ids: Iterable[int]) -> int:
    """Replace the tallies of the regions with a recount of their logs; returns the
    number of tally rows. Writers wait until it commits (PostgreSQL: a SHARE lock
    on the log table; SQLite: one writer at a time anyway)."""
    ids = sorted(set(region_ids))
    if not ids:
        return 0
    month = sql.month_start("day")  # as the triggers have it
    log_table, tally_table = sql.table(WorkLog), sql.table(LogMonthTally)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        if sql.is_postgres():
            cursor.execute(f"LOCK TABLE {log_table} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {tally_table} WHERE region_id IN ({marks})", ids)  # noqa: S608
        # Only the models' own table names and fixed SQL go into the text.
        cursor.execute(
            f"INSERT INTO {tally_table} "  # noqa: S608
            "(region_id, person_id, unit_id, month, on_time, backfilled) "
            f"SELECT region_id, person_id, unit_id, {month}, "
            "SUM(CASE WHEN timeliness = %s THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN timeliness = %s THEN 1 ELSE 0 END) "
            f"FROM {log_table} WHERE region_id IN ({marks}) "
            f"GROUP BY region_id, person_id, unit_id, {month}",
            [Timeliness.ON_TIME.value, Timeliness.BACKFILLED.value, *ids],
        )
        rows = int(cursor.rowcount)
    for region in Region.objects.filter(pk__in=ids):
        audit_record(actor=actor, action=AuditAction.WORKLOGS_TALLIES_REBUILD, region=region)
        compliance_forget(region.pk)
    return rows


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
