"""Each eligibility list as a filter on the listed year's YearRecords, from the facts the
records carry (outcomes.rules.RecordFacts, kept by services.year_facts_refresh).

A list is not stored: its page, its count and its export read the year's records with
the list's predicate (`list_q`), in the list's order (tier, rank, person; an index
walks it), and put each shown row's reasons into words from its facts in Python
(`rules.record_entries`). The predicate here and the rule there are the two
statements of one rule; test_lists_sql checks on both databases that the records each
predicate lists are exactly those the rule gives an entry of that list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import F, Q, Value
from django.db.models.functions import Mod
from django.db.models.lookups import Exact, GreaterThan, LessThanOrEqual

from kaohe.outcomes.rules import (
    COUNTING_GRADES,
    EXCELLENT,
    NO_BONUS_GRADES,
    ListKind,
    ListPolicy,
    RecordFacts,
    share_percent,
    since_threshold,
)

# The YearRecord columns that make a RecordFacts, in its fields' order.
FACT_FIELDS = (
    "person_id",
    "year",
    "grade",
    "rank_in_tier",
    "tier_size",
    "excellent_years",
    "excellent_run",
    "counted_years",
    "first_year",
    "quarters_good",
    "quarters_average",
    "quarters_poor",
)

NOTHING = Q(pk__in=[])


def facts(values: Sequence[Any]) -> RecordFacts:
    """A RecordFacts from the values of FACT_FIELDS (first_year is set on every
    refreshed record; a record not yet refreshed reads as its own year)."""
    row = list(values)
    if row[8] is None:
        row[8] = row[1]
    return RecordFacts(*row)


def _top_share(share: Any) -> Q:
    """rank ≤ size × share, exactly: rank ≤ ⌊size × pct / 100⌋ in integers (both
    databases divide integers to the floor for positive numbers)."""
    pct = share_percent(share)
    line = F("tier_size") * Value(pct) / Value(100)
    return Q(rank_in_tier__gt=0, tier_size__isnull=False) & Q(
        LessThanOrEqual(F("rank_in_tier"), line)
    )


def _multiple(field: str, of: int) -> Q:
    return Q(Exact(Mod(F(field), Value(of)), 0)) if of > 0 else NOTHING


def _promotion(year: int, p: ListPolicy) -> Q:
    threshold = since_threshold(year - p.promotion_excellent_years + 1)
    recent = Q(excellent_years__gte=threshold) if threshold is not None else NOTHING
    return _top_share(p.promotion_top_share) | recent


def _merit(year: int, p: ListPolicy) -> Q:
    needed = max(p.merit_excellent_years, 1)
    return Q(excellent_run__gt=0) & _multiple("excellent_run", needed)


def _pay(year: int, p: ListPolicy) -> Q:
    completes = _multiple("counted_years", p.pay_step_years) | _multiple(
        "counted_years", p.pay_level_years
    )
    return Q(grade__in=sorted(COUNTING_GRADES)) & completes


def _prospect(year: int, p: ListPolicy) -> Q:
    if p.prospect_good_quarters <= 0:
        return NOTHING
    return Q(quarters_good__gte=p.prospect_good_quarters)


_BELOW_PAR = Q(GreaterThan(F("quarters_average") + F("quarters_poor"), 0))


def _bonus_cut(year: int, p: ListPolicy) -> Q:
    no_bonus = Q(grade__in=sorted(NO_BONUS_GRADES))
    return no_bonus | _BELOW_PAR if p.bonus_cut_percent > 0 else no_bonus


_PREDICATES: dict[ListKind, Callable[[int, ListPolicy], Q]] = {
    ListKind.PROMOTION: _promotion,
    ListKind.AWARD: lambda year, p: _top_share(p.award_top_share),
    ListKind.COMMENDATION: lambda year, p: Q(grade=EXCELLENT),
    ListKind.MERIT: _merit,
    ListKind.TENURE: lambda year, p: Q(excellent_years__gt=0),
    ListKind.PAY: _pay,
    ListKind.PRIORITY: lambda year, p: Q(quarters_good=4),
    ListKind.PROSPECT: _prospect,
    ListKind.TRAINING: lambda year, p: _BELOW_PAR,
    ListKind.BONUS_CUT: _bonus_cut,
}


def list_q(kind: ListKind, year: int, policy: ListPolicy) -> Q:
    """The records of `year` on list `kind` under the region's figures (filter the
    region's records of the year with it)."""
    return _PREDICATES[kind](year, policy)


# The lists' order: tier, rank in it (unranked last), person (the index yr_tier_rank).
LIST_ORDER = ("tier", F("rank_in_tier").asc(nulls_last=True), "person_id")
