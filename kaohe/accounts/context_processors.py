from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from kaohe.accounts.access import can_manage_roster, is_region_admin, roles_of
from kaohe.accounts.models import User
from kaohe.core.models import Notification
from kaohe.worklogs.selectors import OVERSIGHT_ROLES


def access(request: HttpRequest) -> dict[str, Any]:
    """What the navigation needs to know about the acting user."""
    # An error page for a request refused before AuthenticationMiddleware ran (a
    # foreign Host header: 400) has no user; it gets the anonymous navigation.
    user = getattr(request, "user", None) or AnonymousUser()
    unread = (
        Notification.objects.filter(user=user, read_at__isnull=True).count()
        if isinstance(user, User)
        else 0
    )
    return {
        "unread_notifications": unread,
        "oversees_logs": bool(roles_of(user) & OVERSIGHT_ROLES),
        "user_roles": roles_of(user),
        "can_manage_roster": can_manage_roster(user),
        "is_region_admin": is_region_admin(user),
    }
