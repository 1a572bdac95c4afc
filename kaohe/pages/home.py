"""Reads for the account pages, scoped by the acting user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import ngettext

from kaohe.accounts.access import grants_of, is_region_admin, region_id_of
from kaohe.accounts.models import RoleGrant, User
from kaohe.core.calendar import year_is_known
from kaohe.org.models import MembershipStatus, Unit


def url_pattern(name: str) -> str:
    """The URL of `name` with one integer argument, as a %-pattern (one reverse a page)."""
    return reverse(name, args=[987654321]).replace("987654321", "%d")


@dataclass(frozen=True)
class RegionStats:
    units: int
    people_in_scope: int
    pools: int


@dataclass(frozen=True)
class Position:
    """The person's membership on a day, as the home page shows it."""

    unit_id: int
    unit_name: str
    post: str
    rank_level: str
    status: str

    def get_status_display(self) -> str:
        return str(MembershipStatus(self.status).label)


@dataclass(frozen=True)
class OpenBallot:
    round_unit_id: int
    round_name: str
    unit_name: str
    ends_on: dt.date


@dataclass(frozen=True)
class Receipt:
    """A published result not yet confirmed: "quarter" or "year" (quarter 0)."""

    scope: str
    result_id: int
    year: int
    quarter: int


@dataclass(frozen=True)
class HomeFacts:
    """What the home page shows of a user that only a write or the date changes, as
    plain data without translated text (one value for every language). Built and
    cached per user by pages.todo.home_facts; forgotten through accounts.home_cache."""

    today_state: str | None = None  # today's DayCell state; None: the user writes no logs
    open_days: tuple[tuple[dt.date, dt.date | None], ...] = ()  # (day, deadline), oldest first
    ballots: tuple[OpenBallot, ...] = ()
    receipts: tuple[Receipt, ...] = ()
    notices: tuple[tuple[int, int, dt.date], ...] = ()  # unsigned notices: id, year, sign by
    publicities: tuple[tuple[int, int, dt.date], ...] = ()  # running 公示: id, year, last day
    position: Position | None = None
    head_counts: Mapping[int, int] = field(default_factory=dict)  # granted unit -> people
    region_stats: RegionStats | None = None


@dataclass
class HomeSummary:
    grants: list[RoleGrant]
    granted_units: Sequence[Unit] = field(default_factory=list)
    membership: Position | None = None
    region_stats: RegionStats | None = None
    logged_today: bool | None = None  # None: the user writes no logs
    calendar_missing_years: list[int] = field(default_factory=list)
    membership_unit_url: str = ""
    history_url: str = ""


def granted_units(user: User) -> list[Unit]:
    """The units of the user's grants in their region, in tree order."""
    region = region_id_of(user)
    units = {
        g.unit.pk: g.unit
        for g in grants_of(user)
        if g.unit is not None and g.unit.region_id == region
    }
    return sorted(units.values(), key=lambda u: u.path)


def home_summary(user: User, day: dt.date, facts: HomeFacts) -> HomeSummary:
    """What the home page shows: the user's roles, their units with head counts,
    their own position, and for region admins the region's totals, from the user's
    `facts` (pages.todo.home_facts)."""
    grants = sorted(grants_of(user), key=lambda g: g.role)
    units = granted_units(user)
    # Links and counts as strings here: a {% url %} and a plural {% blocktranslate %} per
    # row were most of the section's rendering.
    unit_url = url_pattern("org:unit")
    for unit in units:
        n = facts.head_counts.get(unit.pk, 0)
        unit.url = unit_url % unit.pk  # type: ignore[attr-defined]
        unit.heads = ngettext("%(n)s person", "%(n)s people", n) % {"n": n}  # type: ignore[attr-defined]
    summary = HomeSummary(grants=grants, granted_units=units, membership=facts.position)
    if facts.position is not None:
        summary.membership_unit_url = unit_url % facts.position.unit_id
        summary.history_url = reverse("org:person", args=[user.person_id])
    # Only a day that owes a log gets the card: not a rest day, nor leave.
    if facts.today_state in ("written", "backfilled", "open"):
        summary.logged_today = facts.today_state != "open"
    if is_region_admin(user):
        # Holidays are announced in November; warn until the coming year is known.
        years = [day.year, day.year + 1] if day.month >= 11 else [day.year]
        summary.calendar_missing_years = [y for y in years if not year_is_known(y)]
        summary.region_stats = facts.region_stats
    return summary
