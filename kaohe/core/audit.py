"""Writing audit rows. Every service calls `audit_record` inside its transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from kaohe.core.audit_actions import AdminAction, AuditAction
from kaohe.core.models import AuditEvent

if TYPE_CHECKING:
    from kaohe.accounts.models import User
    from kaohe.org.models import Region


def audit_record(
    *,
    actor: User | None,
    action: AuditAction | AdminAction,
    obj: models.Model | None = None,
    region: Region | None = None,
    details: dict[str, Any] | None = None,
    state: str = "",
    note: str = "",
) -> AuditEvent:
    """Append one audit row: one per state change, written in the change's transaction.

    Where `obj` has a history (a rating round, a scheme version), `state` is the state
    the change left it in and `note` the reason or note given with it: the history page
    reads those rows of the object (the ones with a state), the audit page every row."""
    return AuditEvent.objects.create(
        region=region,
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor.get_username() if actor is not None else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        details=details or {},
        state=str(state),
        note=note[: AuditEvent._meta.get_field("note").max_length or 0],
    )
