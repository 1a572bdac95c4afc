from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kaohe.accounts.access import ADMIN_ROLES, OVERSIGHT_ROLES, roles_of, user_facts
from kaohe.accounts.models import Role, User


def access(request: HttpRequest) -> dict[str, Any]:
    """What the navigation needs to know about the acting user: every page renders it,
    so the roles and the unread count come from one cached entry (`user_facts`)."""
    # An error page for a request refused before AuthenticationMiddleware ran (a
    # foreign Host header: 400) has no user; it gets the anonymous navigation.
    user = getattr(request, "user", None)
    roles: frozenset[str] = frozenset()
    unread = 0
    if isinstance(user, User) and user.is_active:
        roles, unread = roles_of(user), user_facts(user).unread
    return {
        "unread_notifications": unread,
        "oversees_logs": bool(roles & OVERSIGHT_ROLES),
        "user_roles": roles,
        "can_manage_roster": bool(roles & ADMIN_ROLES),
        "is_region_admin": Role.REGION_ADMIN in roles,
    }
