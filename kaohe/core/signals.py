"""Sign-in events are writes to the security record, so they are audited too."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from kaohe.accounts.access import user_facts
from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.calendar import forget_overrides
from kaohe.core.middleware import SESSION_TOUCHED
from kaohe.core.models import WorkdayOverride


@receiver(user_logged_in)
def _on_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit_record(actor=user, action=AuditAction.AUTH_LOGIN, obj=user, region=user.region)
    # Signing in saves the session anyway: stamped now, the next request need not save it
    # again (core.middleware.IdleSessionMiddleware), and the navigation's per-user facts
    # are cached for the first page rather than built by it.
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_TOUCHED] = int(timezone.now().timestamp())
    user_facts(user)


@receiver(user_logged_out)
def _on_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, action=AuditAction.AUTH_LOGOUT, obj=user, region=user.region)


@receiver(user_login_failed)
def _on_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    # Only the attempted username: never the password.
    audit_record(
        actor=None,
        action=AuditAction.AUTH_LOGIN_FAILED,
        details={"username": str(credentials.get("username", ""))[:150]},
    )


@receiver(post_save, sender=WorkdayOverride)
@receiver(post_delete, sender=WorkdayOverride)
def _on_override_change(sender: Any, instance: WorkdayOverride, **kwargs: Any) -> None:
    forget_overrides(instance.region_id)
