from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest

from kaohe.accounts.access import ADMIN_ROLES, roles_of
from kaohe.accounts.models import Role, User
from kaohe.core.selectors import unread_notifications
from kaohe.worklogs.selectors import OVERSIGHT_ROLES


def _no_unread() -> int:
    return 0


def access(request: HttpRequest) -> dict[str, Any]:
    """What the navigation needs to know about the acting user: every page renders it,
    so the roles are read once (cached grants) and the unread count only when a
    template shows it (a fragment for htmx does not)."""
    # An error page for a request refused before AuthenticationMiddleware ran (a
    # foreign Host header: 400) has no user; it gets the anonymous navigation.
    user = getattr(request, "user", None)
    roles = roles_of(user) if isinstance(user, User) else frozenset()
    unread = (
        functools.cache(functools.partial(unread_notifications, user))
        if isinstance(user, User)
        else _no_unread
    )
    return {
        # A callable: the template calls it where it shows the count (once, cached).
        "unread_notifications": unread,
        "oversees_logs": bool(roles & OVERSIGHT_ROLES),
        "user_roles": roles,
        "can_manage_roster": bool(roles & ADMIN_ROLES),
        "is_region_admin": Role.REGION_ADMIN in roles,
    }
