"""Reads for the account pages, scoped by the acting user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kaohe.accounts.access import grants_of, is_region_admin, region_id_of
from kaohe.accounts.models import RoleGrant, User
from kaohe.core.calendar import year_is_known
from kaohe.org.models import Membership, Unit
from kaohe.org.selectors import person_current, unit_counts
from kaohe.worklogs.selectors import DayCell, recent_days


@dataclass
class RegionStats:
    units: int
    people_in_scope: int
    pools: int


@dataclass
class HomeSummary:
    grants: list[RoleGrant]
    granted_units: Sequence[Unit] = field(default_factory=list)
    membership: Membership | None = None
    region_stats: RegionStats | None = None
    logged_today: bool | None = None  # None: the user writes no logs
    calendar_missing_years: list[int] = field(default_factory=list)


def home_summary(
    user: User, day: dt.date, days: Mapping[dt.date, DayCell] | None = None
) -> HomeSummary:
    """What the home page shows: the user's roles, their units with head counts,
    their own position, and for region admins the region's totals. `days` are the
    user's recent days (worklogs.selectors.recent_days) when the caller has read them."""
    region = region_id_of(user)
    grants = sorted(grants_of(user), key=lambda g: g.role)
    # The grants carry their units; the head counts are the region's, cached per day.
    counts = unit_counts(region, day)
    granted: dict[int, Unit] = {}
    for grant in grants:
        if grant.unit is not None and grant.unit.region_id == region:
            grant.unit.head_count = counts.own.get(grant.unit.pk, 0)  # type: ignore[attr-defined]
            granted[grant.unit.pk] = grant.unit
    summary = HomeSummary(
        grants=grants, granted_units=sorted(granted.values(), key=lambda u: u.path)
    )
    if user.person_id is not None and user.person is not None:
        summary.membership = person_current(user.person, day)
        # Only a day that owes a log gets the card: not a rest day, nor leave.
        today = (days if days is not None else recent_days(user, day)).get(day)
        if today is not None and today.state in ("written", "backfilled", "open"):
            summary.logged_today = today.state != "open"
    if is_region_admin(user):
        # Holidays are announced in November; warn until the coming year is known.
        years = [day.year, day.year + 1] if day.month >= 11 else [day.year]
        summary.calendar_missing_years = [y for y in years if not year_is_known(y)]
        summary.region_stats = RegionStats(
            units=counts.units, people_in_scope=counts.people, pools=counts.pools
        )
    return summary
