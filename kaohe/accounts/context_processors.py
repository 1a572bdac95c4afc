from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kaohe.accounts.access import can_manage_roster, is_region_admin, roles_of


def access(request: HttpRequest) -> dict[str, Any]:
    """What the navigation needs to know about the acting user."""
    user = request.user
    return {
        "user_roles": roles_of(user),
        "can_manage_roster": can_manage_roster(user),
        "is_region_admin": is_region_admin(user),
    }
