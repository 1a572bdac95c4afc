"""Reads of the audit log: region administrators only, their own region only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from kaohe.accounts.access import is_region_admin, region_id_of
from kaohe.accounts.models import User
from kaohe.core.models import AuditEvent


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""
    object_type: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_events(user: User, flt: AuditFilter) -> QuerySet[AuditEvent]:
    if not is_region_admin(user):
        raise Http404
    qs = AuditEvent.objects.filter(region_id=region_id_of(user))
    if flt.action:
        qs = qs.filter(action__startswith=flt.action)
    if flt.actor:
        qs = qs.filter(actor_name=flt.actor)
    if flt.object_type:
        qs = qs.filter(object_type=flt.object_type)
    tz = timezone.get_current_timezone()
    if flt.date_from:
        qs = qs.filter(created_at__gte=dt.datetime.combine(flt.date_from, dt.time.min, tz))
    if flt.date_to:
        end = dt.datetime.combine(flt.date_to + dt.timedelta(days=1), dt.time.min, tz)
        qs = qs.filter(created_at__lt=end)
    return qs.order_by("-created_at", "-id")


def audit_actions(user: User) -> list[str]:
    """Distinct action names of the region, for the filter's drop-down."""
    if not is_region_admin(user):
        raise Http404
    return list(
        AuditEvent.objects.filter(region_id=region_id_of(user))
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )
