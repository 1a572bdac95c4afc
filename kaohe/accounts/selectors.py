"""Reads for the account pages, scoped by the acting user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q

from kaohe.accounts.access import grants_of, is_region_admin, region_id_of
from kaohe.accounts.models import RoleGrant, User
from kaohe.core.calendar import year_is_known
from kaohe.org.models import IN_SCOPE_STATUSES, Membership, QuotaPool, Unit
from kaohe.org.selectors import person_current
from kaohe.worklogs.selectors import day_state


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


def home_summary(user: User, day: dt.date) -> HomeSummary:
    """What the home page shows: the user's roles, their units with head counts,
    their own position, and for region admins the region's totals."""
    region = region_id_of(user)
    grants = sorted(grants_of(user), key=lambda g: g.role)
    unit_ids = {g.unit_id for g in grants if g.unit_id is not None}
    in_force = (
        Q(memberships__valid_from__lte=day)
        & (Q(memberships__valid_to__isnull=True) | Q(memberships__valid_to__gte=day))
        & Q(memberships__status__in=IN_SCOPE_STATUSES)
    )
    granted_units = list(
        Unit.objects.filter(pk__in=unit_ids, region_id=region)
        .annotate(head_count=Count("memberships", filter=in_force))
        .order_by("path")
    )
    summary = HomeSummary(grants=grants, granted_units=granted_units)
    if user.person_id is not None and user.person is not None:
        summary.membership = person_current(user.person, day)
        # Only a day that owes a log gets the card: not a rest day, nor leave.
        today = day_state(user, day)
        if today is not None and today.state in ("written", "backfilled", "open"):
            summary.logged_today = today.state != "open"
    if is_region_admin(user):
        # Holidays are announced in November; warn until the coming year is known.
        years = [day.year, day.year + 1] if day.month >= 11 else [day.year]
        summary.calendar_missing_years = [y for y in years if not year_is_known(y)]
        summary.region_stats = RegionStats(
            units=Unit.objects.filter(region_id=region, is_active=True).count(),
            people_in_scope=Membership.objects.filter(region_id=region).on(day).in_scope().count(),
            pools=QuotaPool.objects.filter(region_id=region, year=day.year).count(),
        )
    return summary
