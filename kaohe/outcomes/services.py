"""Writes of the outcomes domain (R6). Each part's functions are one block below."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction

from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.org.models import Region
from kaohe.outcomes.lists_sql import derive_in_sql
from kaohe.outcomes.models import EligibilityEntry, OutcomesPolicy, YearRecord
from kaohe.outcomes.policies import policy_for
from kaohe.outcomes.rules import ListPolicy, Reason, YearFacts, person_entries

# ---------------------------------------------------------------- lists (eligibility)


def list_policy(policy: OutcomesPolicy) -> ListPolicy:
    """The rules module's figures from the region's saved (or default) policy."""
    return ListPolicy(
        promotion_top_share=policy.promotion_top_share,
        promotion_excellent_years=policy.promotion_excellent_years,
        award_top_share=policy.award_top_share,
        merit_excellent_years=policy.merit_excellent_years,
        tenure_cut_months=policy.tenure_cut_months,
        pay_step_years=policy.pay_step_years,
        pay_level_years=policy.pay_level_years,
        prospect_good_quarters=policy.prospect_good_quarters,
        bonus_cut_percent=policy.bonus_cut_percent,
    )


# What the rules read of the region's archive: every year up to the one derived, of the
# people archived in it (tenure and pay count the whole archive). Plain SQL, read as
# tuples: a county's three years are close to a million rows, and model instances (or
# the ORM's values rows) cost several times the query.
_READ = """
SELECT r.person_id, r.year, r.grade, r.rank_in_tier, r.tier_size,
       r.quarter_grades, r.id, r.unit_id, r.tier
FROM {records} r
WHERE r.region_id = %s AND r.year <= %s
  AND r.person_id IN (SELECT c.person_id FROM {records} c WHERE c.region_id = %s AND c.year = %s)
"""

_COLUMNS = (
    "region_id",
    "year",
    "kind",
    "person_id",
    "record_id",
    "unit_id",
    "tier",
    "rank_in_tier",
    "figure",
    "reasons",
)


class _Quarters(dict[str, tuple[str, ...]]):
    """A year's four quarter grades from their stored JSON text, parsed once per distinct
    text: a region's years hold a few hundred of them, its records a million."""

    def __missing__(self, text: str) -> tuple[str, ...]:
        self[text] = parsed = tuple(json.loads(text) or ())
        return parsed


def _reasons_json(reasons: tuple[Reason, ...]) -> str:
    """`reasons_stored` as JSON text, written directly (codes and integers only)."""
    return (
        "["
        + ",".join(f'["{r.why}"' + "".join(f",{f}" for f in r.figures) + "]" for r in reasons)
        + "]"
    )


def _histories(
    region_id: int, year: int
) -> tuple[dict[int, list[YearFacts]], dict[int, tuple[int, int | None, str, int | None]]]:
    """Each person's archived years up to `year` (of those archived in it), and of their
    `year` the record's id, unit, tier and rank."""
    histories: dict[int, list[YearFacts]] = defaultdict(list)
    current: dict[int, tuple[int, int | None, str, int | None]] = {}
    sql = _READ.format(records=YearRecord._meta.db_table)
    parsed = _Quarters()
    with connection.cursor() as cursor:
        cursor.execute(sql, [region_id, year, region_id, year])
        while chunk := cursor.fetchmany(20000):
            for person, y, grade, rank, size, quarters, pk, unit, tier in chunk:
                text = quarters if isinstance(quarters, str) else json.dumps(quarters)
                histories[person].append(YearFacts(person, y, grade, rank, size, parsed[text]))
                if y == year:
                    current[person] = (pk, unit, tier, rank)
    return histories, current


def _entry_rows(
    region_id: int,
    year: int,
    policy: ListPolicy,
    histories: dict[int, list[YearFacts]],
    current: dict[int, tuple[int, int | None, str, int | None]],
) -> Iterator[tuple[Any, ...]]:
    """The rows of the year's entries, in the columns of `_COLUMNS`."""
    for person in sorted(histories):
        record_id, unit_id, tier, rank = current[person]
        for entry in person_entries(histories[person], year, policy):
            reasons = _reasons_json(entry.reasons)
            yield (
                region_id,
                year,
                str(entry.kind),
                person,
                record_id,
                unit_id,
                tier,
                rank,
                entry.figure,
                reasons,
            )


def _write_entries(rows: Iterator[tuple[Any, ...]]) -> int:
    """Write the rows in bulk INSERTs (SQLite: PostgreSQL derives in one statement).
    Returns the count."""
    written = 0
    batch: list[EligibilityEntry] = []
    for row in rows:
        values = dict(zip(_COLUMNS, row, strict=True))
        values["reasons"] = json.loads(values["reasons"])
        batch.append(EligibilityEntry(**values))
        if len(batch) >= 2000:
            EligibilityEntry.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    EligibilityEntry.objects.bulk_create(batch)
    return written + len(batch)


def eligibility_derive(*, region_id: int, year: int) -> int:
    """Derive the region's eligibility lists for `year` from its archive (the year and
    every earlier archived year, imported ones included) and replace the year's
    entries with them, all or nothing. Called when a year is archived, after its
    YearRecords are written (in the same transaction); also safe to call again (a
    corrected year, a changed policy). Returns the number of entries written."""
    policy = list_policy(policy_for(region_id))
    with transaction.atomic():
        EligibilityEntry.objects.filter(region_id=region_id, year=year).delete()
        if connection.vendor == "postgresql":
            # The same rules in one statement (outcomes.lists_sql; a test compares them).
            written = derive_in_sql(region_id, year, policy)
        else:
            histories, current = _histories(region_id, year)
            written = _write_entries(_entry_rows(region_id, year, policy, histories, current))
        audit_record(
            actor=None,
            action=AuditAction.OUTCOMES_LISTS_DERIVE,
            region=Region(pk=region_id),
            details={"year": year, "entries": written},
        )
    return written
