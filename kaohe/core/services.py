"""Writes to core records that belong to no domain app."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kaohe.accounts.access import forget_facts
from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.models import Notification


@transaction.atomic
def notifications_mark_read(*, user: User) -> int:
    count = Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    forget_facts([user.pk])
    if count:
        audit_record(
            actor=user,
            action=AuditAction.CORE_NOTIFICATIONS_READ,
            region=user.region,
            details={"count": count},
        )
    return count
