"""The cadre's written notices as a line of the pages they already read (the results
page of scoring, which sits below this app and cannot import it: the template loads
the tag, the code does not)."""

from __future__ import annotations

from typing import Any

from django import template

from kaohe.accounts.models import User
from kaohe.dueprocess.selectors import my_notices

register = template.Library()


@register.inclusion_tag("dueprocess/_notice_line.html", takes_context=True)
def notice_line(context: dict[str, Any]) -> dict[str, Any]:
    """The user's current notices, to sign or signed (one query)."""
    user = context["request"].user
    return {"rows": my_notices(user) if isinstance(user, User) else []}
