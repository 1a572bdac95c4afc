"""The synthetic city the benches build in bulk SQL (pages, reviews and close_kill,
scoring, worklogs): the tables' names, taken from the models as kaohe's own raw SQL
takes them (`kaohe.core.sql`), the few spellings that differ between PostgreSQL and
SQLite while building, and the statements more than one bench runs: the numbers
1..n, units, cadres and their seats in the units, and the settings for bulk writes.

Call after Django is set up (the benches' workers do, before they build).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

SERIES = "bench_series"  # the numbers 1..n, a scratch table


@dataclass(frozen=True)
class Tables:
    """Quoted table names for the benches' SQL, from the models."""

    audit_event: str
    indicator: str
    indicator_result: str
    leave: str
    log_tally: str
    membership: str
    participation: str
    person: str
    person_year_flag: str
    quarter_result: str
    quarter_run: str
    quota_pool: str
    quota_pool_member: str
    rank_level: str
    round_result: str
    round_unit: str
    scheme: str
    scheme_version: str
    summary: str
    unit: str
    unit_year_result: str
    work_log: str


@functools.cache
def tables() -> Tables:
    from kaohe.core import sql
    from kaohe.core.models import AuditEvent
    from kaohe.org.models import (
        Leave,
        Membership,
        Person,
        QuotaPool,
        QuotaPoolMember,
        RankLevel,
        Unit,
    )
    from kaohe.performance.models import UnitYearResult
    from kaohe.reviews.models import Participation, RoundResult, RoundUnit
    from kaohe.schemes.models import Indicator, IndicatorResult, Scheme, SchemeVersion
    from kaohe.scoring.models import PersonYearFlag, QuarterResult, QuarterRun
    from kaohe.worklogs.models import LogMonthTally, Summary, WorkLog

    t = sql.table
    return Tables(
        audit_event=t(AuditEvent),
        indicator=t(Indicator),
        indicator_result=t(IndicatorResult),
        leave=t(Leave),
        log_tally=t(LogMonthTally),
        membership=t(Membership),
        participation=t(Participation),
        person=t(Person),
        person_year_flag=t(PersonYearFlag),
        quarter_result=t(QuarterResult),
        quarter_run=t(QuarterRun),
        quota_pool=t(QuotaPool),
        quota_pool_member=t(QuotaPoolMember),
        rank_level=t(RankLevel),
        round_result=t(RoundResult),
        round_unit=t(RoundUnit),
        scheme=t(Scheme),
        scheme_version=t(SchemeVersion),
        summary=t(Summary),
        unit=t(Unit),
        unit_year_result=t(UnitYearResult),
        work_log=t(WorkLog),
    )


def log_columns() -> str:
    """The quoted columns a new work log is written with, in kaohe's order
    (`worklogs.models.LOG_INSERT_FIELDS`)."""
    from kaohe.core import sql
    from kaohe.worklogs.models import LOG_INSERT_FIELDS, WorkLog

    return sql.columns(WorkLog, LOG_INSERT_FIELDS)


def is_postgres() -> bool:
    from kaohe.core import sql

    return sql.is_postgres()


def random() -> str:
    """A uniform number in [0, 1)."""
    return "random()" if is_postgres() else "((random() % 1000000 + 1000000) % 1000000) / 1e6"


def score() -> str:
    """A bell curve around 84 (the sum of three uniforms), clipped to 50–100."""
    r = random()
    bell = f"round(84 + 10 * ({r} + {r} + {r} - 1.5))"
    if is_postgres():
        return f"least(100, greatest(50, {bell}))::int"
    return f"max(50, min(100, CAST({bell} AS INTEGER)))"


def uuid() -> str:
    return "gen_random_uuid()" if is_postgres() else "lower(hex(randomblob(16)))"


def birth_date(g: str) -> str:
    """A birth date spread over 25 years from a number."""
    if is_postgres():
        return f"date '1970-01-01' + ({g} %% 9000)"
    return f"date('1970-01-01', '+' || ({g} %% 9000) || ' days')"


def series(cursor: CursorWrapper, top: int) -> None:
    """The numbers 1..top as the table `bench_series (g)`, for both databases (SQLite
    has no generate_series); `series_drop` when done."""
    cursor.execute(f"DROP TABLE IF EXISTS {SERIES}")
    cursor.execute(f"CREATE TABLE {SERIES} (g integer PRIMARY KEY)")
    cursor.execute(
        f"INSERT INTO {SERIES} (g) WITH RECURSIVE s(g) AS "  # noqa: S608
        "(SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < %s) SELECT g FROM s",
        [top],
    )


def series_drop(cursor: CursorWrapper) -> None:
    cursor.execute(f"DROP TABLE {SERIES}")


def units_add(cursor: CursorWrapper, region_id: int, count: int) -> None:
    """`count` top-level units 基准单位1… (codes U1…), every tenth a town, each its own
    path. Needs `series` of at least `count`."""
    t = tables()
    cursor.execute(
        f"""
        INSERT INTO {t.unit} (region_id, parent_id, name, code, unit_type, unit_kind,
            performance_category_id, path, depth, sort_order, is_active)
        SELECT %s, NULL, '基准单位' || g, 'U' || g,
               CASE WHEN g %% 10 = 0 THEN 'town' ELSE 'district_unit' END,
               'administrative', NULL, '', 0, g, %s
        FROM {SERIES} WHERE g <= %s
        """,  # noqa: S608
        [region_id, True, count],
    )
    cursor.execute(
        f"UPDATE {t.unit} SET path = CAST(id AS TEXT) || '/' WHERE region_id = %s",  # noqa: S608
        [region_id],
    )


def people_add(cursor: CursorWrapper, region_id: int, count: int, created_at: Any) -> None:
    """`count` cadres 干部1… (staff numbers C1…), in no unit yet. Needs `series` of at
    least `count`; `created_at` in the database's form."""
    cursor.execute(
        f"""
        INSERT INTO {tables().person} (region_id, staff_no, name, gender, birth_date, created_at)
        SELECT %s, 'C' || g, '干部' || g, CASE WHEN g %% 2 = 0 THEN 'M' ELSE 'F' END,
               {birth_date("g")}, %s
        FROM {SERIES} WHERE g <= %s
        """,  # noqa: S608
        [region_id, created_at, count],
    )


def people_seat(
    cursor: CursorWrapper,
    region_id: int,
    size: int,
    ranks: Sequence[int],
    category: int,
    since: dt.date,
) -> None:
    """Seat the region's cadres in its units, `size` a unit: the k-th person (by id)
    in the unit k / size (by id), the first of each unit its main leader (主要负责人),
    the next three its leadership team (班子成员), the rest general cadres (科员), in
    office since `since`. `ranks` are nine rank levels by sort order, as the seed
    data has them: 0 正科, 2 二级主任科员, 3 副科, 4–5 三/四级主任科员, 6–8 一般干部/
    一级/二级科员 (the same id nine times for one rank)."""
    from django.db import connection

    t = tables()
    cursor.execute(
        f"""
        INSERT INTO {t.membership} (region_id, person_id, unit_id, post, rank_level_id,
            personnel_category_id, leadership_role, status, valid_from, valid_to)
        SELECT p.region_id, p.id, u.id,
               CASE WHEN p.k %% %s = 0 THEN '主要负责人'
                    WHEN p.k %% %s <= 3 THEN '班子成员' ELSE '科员' END,
               CASE WHEN p.k %% %s = 0 THEN %s
                    WHEN p.k %% %s <= 3 THEN %s
                    WHEN p.k %% 10 = 4 THEN %s
                    WHEN p.k %% 10 IN (5, 6) THEN CASE p.k %% 2 WHEN 0 THEN %s ELSE %s END
                    ELSE CASE p.k %% 3 WHEN 0 THEN %s WHEN 1 THEN %s ELSE %s END END,
               %s,
               CASE WHEN p.k %% %s = 0 THEN 'main'
                    WHEN p.k %% %s <= 3 THEN 'team' ELSE 'staff' END,
               'on_duty', %s, NULL
        FROM (SELECT id, region_id, row_number() OVER (ORDER BY id) - 1 AS k
              FROM {t.person} WHERE region_id = %s) AS p
        JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k
              FROM {t.unit} WHERE region_id = %s) AS u ON u.k = p.k / %s
        """,  # noqa: S608
        [
            size,
            size,
            size,
            ranks[0],
            size,
            ranks[3],
            ranks[2],
            ranks[4],
            ranks[5],
            ranks[6],
            ranks[7],
            ranks[8],
            category,
            size,
            size,
            connection.ops.adapt_datefield_value(since),
            region_id,
            region_id,
            size,
        ],
    )


def bulk_writes(cursor: CursorWrapper) -> None:
    """Settings for loading millions of rows into a throwaway database: no waiting for
    the disk, room in memory to sort the index builds."""
    if is_postgres():
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '512MB'")
    else:
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA cache_size = -1000000")
        cursor.execute("PRAGMA temp_store = MEMORY")
