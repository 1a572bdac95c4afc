"""base.html's chrome: the head's static links and the top bar.

Every rendered page pays for them, and their markup depends on nothing a request or a
write can change but a few flags (the language, whether the user signed in, has a
person, which roles they hold): a URL lookup and a translation per link cost more
than the rest of the page's frame. So each is rendered once per process for each
shape it can take, and a request only fills in its own values (the CSRF field, the
language form's return path, the unread count), never cached. The flags come from the
request's context (`accounts.context_processors.access`), which reads the user's
grants fresh from the shared cache on every request: a grant or a revocation changes
the shape, never a stored markup.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.autoreload import file_changed
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

# Marks a hole in a rendered skeleton. No template, translation or URL holds a NUL.
_HOLE = "\x00"
_HOLES = {
    name: mark_safe(f"{_HOLE}{name}{_HOLE}")  # noqa: S308 - a constant marker
    for name in ("csrf", "next", "unread")
}


@dataclass(frozen=True)
class TopbarShape:
    """Everything the top bar's markup depends on, apart from its holes."""

    language: str
    script_prefix: str
    authenticated: bool = False
    has_person: bool = False
    is_staff: bool = False
    has_roles: bool = False
    can_manage_roster: bool = False
    is_unit_head: bool = False
    is_team_member: bool = False
    is_region_admin: bool = False
    oversees_logs: bool = False


@functools.lru_cache(maxsize=256)
def _skeleton(template_name: str, shape: object) -> tuple[str, ...]:
    """The template rendered for `shape`, split at its holes: literal text at even
    positions, hole names at odd ones."""
    html = get_template(template_name).render({"shape": shape, "hole": _HOLES})
    return tuple(html.split(_HOLE))


@receiver(setting_changed)
@receiver(file_changed)  # runserver: an edited template is rendered again
def _forget_skeletons(**kwargs: Any) -> None:
    _skeleton.cache_clear()


def topbar_shape(context: template.Context) -> TopbarShape:
    user = context.get("user")
    language, prefix = get_language(), get_script_prefix()
    if user is None or not user.is_authenticated:
        return TopbarShape(language, prefix)
    roles = context.get("user_roles") or frozenset()
    return TopbarShape(
        language,
        prefix,
        authenticated=True,
        has_person=bool(user.person_id),
        is_staff=bool(user.is_staff),
        has_roles=bool(roles),
        can_manage_roster=bool(context.get("can_manage_roster")),
        is_unit_head="unit_head" in roles,
        is_team_member="team_member" in roles,
        is_region_admin=bool(context.get("is_region_admin")),
        oversees_logs=bool(context.get("oversees_logs")),
    )


@register.simple_tag
def chrome_head() -> SafeString:
    # Rendered (and escaped) by the template engine.
    return mark_safe(_skeleton("_chrome_head.html", get_script_prefix())[0])  # noqa: S308


@register.simple_tag(takes_context=True)
def chrome_topbar(context: template.Context) -> SafeString:
    shape = topbar_shape(context)
    request = context.get("request")
    # The count (accounts.context_processors.access) shows only to a signed-in user.
    unread = int(context.get("unread_notifications") or 0) if shape.authenticated else 0
    filling = {
        "csrf": CsrfTokenNode().render(context),
        "next": conditional_escape(request.get_full_path()) if request is not None else "",
        "unread": f' <span class="pill" id="unread-count">{unread:d}</span>' if unread else "",
    }
    parts = _skeleton("_chrome_topbar.html", shape)
    html = "".join(filling[part] if i % 2 else part for i, part in enumerate(parts))
    return mark_safe(html)  # noqa: S308 - the skeleton was escaped when rendered, the fillings above
