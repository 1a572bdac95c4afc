"""Reads of the teams' year: the results a user may see (scoped; an id outside is 404),
the office's entry grid, and the inputs of a year's computation (no user: they feed a
computation, they show nothing)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import Http404

from kaohe.accounts.access import is_region_admin, roles_of, scope_of
from kaohe.accounts.models import Role, User
from kaohe.org.models import LeadershipRole, Membership, Unit
from kaohe.performance.selectors import unit_year_scores
from kaohe.reviews.models import ReviewRound
from kaohe.reviews.selectors import closed_round, round_result_scores
from kaohe.teams import rules
from kaohe.teams.models import Component, TeamEntry, TeamYear, TeamYearResult

HUNDRED = Decimal(100)

# Who reads teams' results: the office (all), a unit's leaders and administrators (their
# unit's team, once published).
READ_ROLES = frozenset({Role.REGION_ADMIN, Role.UNIT_ADMIN, Role.UNIT_HEAD, Role.TEAM_MEMBER})
LEADER_ROLES = (LeadershipRole.MAIN, LeadershipRole.TEAM)
CENT = Decimal("0.01")
FIRST_YEAR, LAST_YEAR = 2000, 2099


def can_read(user: User) -> bool:
    """The office, a unit's leaders and administrators by grant, and anyone who holds or
    held a leadership role (a team member whose login carries a cadre's grant only)."""
    if roles_of(user) & READ_ROLES:
        return True
    return (
        user.person_id is not None
        and Membership.objects.filter(
            person_id=user.person_id, leadership_role__in=LEADER_ROLES
        ).exists()
    )


def _led_units(person_id: int, year: int) -> QuerySet[Membership, Any]:
    """The units whose team the person sat on at the year's end (a subquery)."""
    return (
        Membership.objects.filter(person_id=person_id, leadership_role__in=LEADER_ROLES)
        .on(last_day(year))
        .in_scope()
        .values("unit_id")
    )


def last_day(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def team_year(region_id: int, year: int) -> TeamYear | None:
    return TeamYear.objects.filter(region_id=region_id, year=year).first()


def _visible(user: User, year: int) -> QuerySet[TeamYearResult]:
    """The results `user` may see in `year`: the office every team of its region; anyone
    else their scope's teams once the year is published."""
    rows = TeamYearResult.objects.filter(year=year)
    if user.region_id is None:
        return rows.none()
    if is_region_admin(user):
        return rows.filter(region_id=user.region_id)
    published = TeamYear.objects.filter(
        region_id=user.region_id, year=year, state=TeamYear.State.PUBLISHED
    )
    seen = scope_of(user, READ_ROLES).unit_filter("unit__")
    if user.person_id is not None:
        seen |= Q(unit_id__in=_led_units(user.person_id, year))
    return rows.filter(seen, region_id=user.region_id).filter(
        region_id__in=published.values("region_id")
    )


RESULT_ORDER = (F("rank").asc(nulls_last=True), "unit__path", "pk")


def year_results(user: User, year: int) -> QuerySet[TeamYearResult]:
    """The year's results in view, ranked (unscored teams last), with their units."""
    return _visible(user, year).select_related("unit").order_by(*RESULT_ORDER)


def ranked_count(region_id: int, year: int) -> int:
    """The teams ranked in the year: the M of "rank N of M", whatever the reader sees."""
    return TeamYearResult.objects.filter(region_id=region_id, year=year, rank__isnull=False).count()


def result_get(user: User, result_id: int) -> TeamYearResult:
    """One result the user may see; any other id is 404."""
    row = TeamYearResult.objects.filter(pk=result_id).only("year").first()
    if row is None or not can_read(user):
        raise Http404
    found = _visible(user, row.year).filter(pk=result_id).select_related("unit").first()
    if found is None:
        raise Http404
    return found


# ------------------------------------------------------------------ the entry grid


@dataclass
class EntryRow:
    unit: Unit
    members: list[str]
    entry: TeamEntry | None

    @property
    def version(self) -> int:
        return self.entry.version if self.entry else 0


def teams_on(region_id: int, year: int) -> dict[int, list[dict[str, Any]]]:
    """unit id → its team on the year's last day: [{"id", "name", "role"}], main leader
    first (one query)."""
    rows = (
        Membership.objects.filter(region_id=region_id, leadership_role__in=LEADER_ROLES)
        .on(last_day(year))
        .in_scope()
        .order_by("unit_id", "leadership_role", "person__staff_no")
        .values_list("unit_id", "person_id", "person__name", "leadership_role")
    )
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for unit_id, person_id, name, role in rows:
        out[unit_id].append({"id": person_id, "name": name, "role": role})
    return dict(out)


def team_members(region_id: int, year: int) -> QuerySet[Membership, Any]:
    """The people on any team of the region at the year's end (a subquery of ids)."""
    return (
        Membership.objects.filter(region_id=region_id, leadership_role__in=LEADER_ROLES)
        .on(last_day(year))
        .in_scope()
        .values("person_id")
    )


def entry_rows(region_id: int, year: int) -> list[EntryRow]:
    """Every team of the year with the office's entry for it (three queries)."""
    teams = teams_on(region_id, year)
    units = Unit.objects.filter(region_id=region_id, pk__in=list(teams)).order_by("path")
    entries = {
        e.unit_id: e
        for e in TeamEntry.objects.filter(region_id=region_id, year=year, unit_id__in=list(teams))
    }
    return [
        EntryRow(unit, [m["name"] for m in teams[unit.pk]], entries.get(unit.pk)) for unit in units
    ]


# ------------------------------------------------------------- a year's inputs


def _performance(region_id: int, year: int, unit_ids: list[int]) -> dict[int, Decimal]:
    """Each unit's annual performance result, as the cadres' composite reads it
    (performance's `unit_year_scores`: the override, else the computed result)."""
    wanted = set(unit_ids)
    scores = unit_year_scores(region_id=region_id, year=year)
    # The team's parts are each out of 100; a unit's year may pass 100 with its
    # bonuses and 民评, and counts as 100 here (the team's score stays out of 100).
    return {unit_id: min(score, HUNDRED) for unit_id, score in scores.items() if unit_id in wanted}


def _round_scores(region_id: int, year: int) -> dict[int, Decimal]:
    """Person → score in the year's closed annual democratic round (withheld ones left
    out: fewer valid ballots than the round shows, decision 31)."""
    round_ = closed_round(region_id, year, ReviewRound.Cadence.ANNUAL, 1)
    if round_ is None:
        return {}
    return {target: score for target, score in round_result_scores(round_) if score is not None}


@dataclass(frozen=True)
class YearInputs:
    teams: dict[int, list[dict[str, Any]]]
    inputs: list[rules.TeamInput]


def year_inputs(region_id: int, year: int) -> YearInputs:
    """Everything a year's computation reads, in a fixed number of queries: the teams,
    the units' performance, the annual round's scores, the office's entries."""
    teams = teams_on(region_id, year)
    unit_ids = list(teams)
    performance = _performance(region_id, year, unit_ids)
    scores = _round_scores(region_id, year)
    entries = {
        e.unit_id: e
        for e in TeamEntry.objects.filter(region_id=region_id, year=year, unit_id__in=unit_ids)
    }
    inputs = []
    for unit_id, members in teams.items():
        entry = entries.get(unit_id)
        values: dict[str, Decimal | None] = {}
        sources: dict[str, str] = {}
        extras: dict[str, dict[str, str]] = {}
        values[Component.PERFORMANCE] = performance.get(unit_id)
        sources[Component.PERFORMANCE] = "unit_year"
        rated = [scores[m["id"]] for m in members if m["id"] in scores]
        if rated:
            mean = (sum(rated, Decimal(0)) / len(rated)).quantize(CENT, ROUND_HALF_UP)
            values[Component.DEMOCRATIC] = mean
            sources[Component.DEMOCRATIC] = "round"
            extras[Component.DEMOCRATIC] = {
                "counted": str(len(rated)),
                "members": str(len(members)),
            }
        else:
            values[Component.DEMOCRATIC] = entry.democratic if entry else None
            sources[Component.DEMOCRATIC] = "entered"
        for name in (Component.LEADER, Component.PUBLIC, Component.PARTY):
            values[name] = getattr(entry, name) if entry else None
            sources[name] = "entered"
        inputs.append(
            rules.TeamInput(
                unit_id,
                {str(k): v for k, v in values.items()},
                {str(k): v for k, v in sources.items()},
                {str(k): v for k, v in extras.items()},
                members=len(members),
            )
        )
    return YearInputs(teams, inputs)


def parse_year(raw: str | None, default: int) -> int:
    """A year from a query or form value (2000–2099), else `default`."""
    if raw is None or not raw.isdecimal() or len(raw) != 4:
        return default
    value = int(raw)
    return value if FIRST_YEAR <= value <= LAST_YEAR else default
