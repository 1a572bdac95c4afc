"""What an acting user may see: their role grants turned into query filters.

Selectors build every read of protected data from these filters; views never
fetch a protected object by primary key on their own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from kaohe.accounts.errors import AccountErrorCode
from kaohe.accounts.models import Role, RoleGrant, User
from kaohe.core.cache import forget_users, user_cached
from kaohe.core.errors import ApplicationError
from kaohe.core.models import Notification

ADMIN_ROLES = frozenset({Role.REGION_ADMIN, Role.UNIT_ADMIN})
ALL_ROLES = frozenset(Role)
# Who oversees units' work logs (the compliance pages, a unit's feed): defined here with
# the other role sets, since the navigation (context_processors) shows the link by it
# and accounts sits below worklogs.
OVERSIGHT_ROLES = frozenset(
    {Role.REGION_ADMIN, Role.UNIT_ADMIN, Role.UNIT_HEAD, Role.TEAM_MEMBER, Role.SUPERVISOR}
)
# Who prints a unit's official forms, or another person's (outcomes): the unit's leaders
# and administrators within their scope and the region's office. Here, so that org's
# unit page offers the link without importing outcomes; a cadre prints only their own.
FORMS_ROLES = frozenset({Role.REGION_ADMIN, Role.UNIT_ADMIN, Role.UNIT_HEAD, Role.TEAM_MEMBER})
# Who sees a unit's public-survey results (surveys): the office all of its region, a
# unit's administrators and heads their units. Here, so that org's unit page offers the link.
SURVEY_RESULT_ROLES = frozenset({Role.REGION_ADMIN, Role.UNIT_ADMIN, Role.UNIT_HEAD})


@dataclass(frozen=True)
class Scope:
    """The units a set of grants covers, as data that turns into a Q object."""

    region_id: int | None
    region_wide: bool
    subtree_paths: tuple[str, ...]
    exact_unit_ids: tuple[int, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.region_wide or self.subtree_paths or self.exact_unit_ids)

    def unit_filter(self, prefix: str = "") -> Q:
        """A filter on Unit (or on a model whose unit is reached through `prefix`)."""
        if self.region_id is None or self.is_empty:
            return Q(pk__in=[])
        region = Q(**{f"{prefix}region_id": self.region_id})
        if self.region_wide:
            return region
        covered = Q(pk__in=[])
        for path in self.subtree_paths:
            covered |= Q(**{f"{prefix}path__startswith": path})
        if self.exact_unit_ids:
            key = f"{prefix}id__in" if prefix else "id__in"
            covered |= Q(**{key: self.exact_unit_ids})
        return region & covered

    def covers_path(self, path: str, unit_id: int) -> bool:
        if self.region_wide:
            return True
        return unit_id in self.exact_unit_ids or any(path.startswith(p) for p in self.subtree_paths)


FACTS_TOPIC = "facts"


@dataclass(frozen=True)
class UserFacts:
    """What every page reads of the acting user, in one cache entry (one file read): the
    grants with their units (the navigation and every scoped read) and how many of the
    user's notifications are unread (the header's bell)."""

    grants: list[RoleGrant]
    unread: int


class _Forgets(threading.local):
    """How many times this thread has forgotten users' facts: a copy kept on a user
    object is good only while this has not moved (a write in the same request)."""

    def __init__(self) -> None:
        self.count = 0


_forgets = _Forgets()


def user_facts(user: User) -> UserFacts:
    """The user's facts, cached for every process (forgotten by `forget_facts`, which
    the services that grant, revoke, notify and mark read call) and kept on the
    request's user object."""
    kept: tuple[int, UserFacts] | None = getattr(user, "_kaohe_facts", None)
    if kept is not None and kept[0] == _forgets.count:
        return kept[1]
    facts = user_cached(FACTS_TOPIC, user.pk, lambda: _facts_built(user), stamp=user.date_joined)
    user._kaohe_facts = (_forgets.count, facts)  # type: ignore[attr-defined]
    return facts


def _facts_built(user: User) -> UserFacts:
    # One query for anyone with a grant (nearly everyone): the count rides on each row.
    unread = (
        Notification.objects.filter(user=OuterRef("user"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        RoleGrant.objects.filter(user=user)
        .select_related("unit")
        .annotate(unread=Coalesce(Subquery(unread), 0))
    )
    grants: list[RoleGrant] = list(rows)
    if not grants:
        return UserFacts([], Notification.objects.filter(user=user, read_at__isnull=True).count())
    return UserFacts(grants, int(grants[0].unread))  # type: ignore[attr-defined]


def forget_facts(user_ids: Iterable[int]) -> None:
    """Drop these users' facts everywhere: call it where their grants change or a
    notification reaches them or is read."""
    _forgets.count += 1
    forget_users(FACTS_TOPIC, user_ids)


def grants_of(user: User) -> list[RoleGrant]:
    """The user's grants with their units (`user_facts`)."""
    return user_facts(user).grants


def roles_of(user: User | AnonymousUser) -> frozenset[str]:
    if not isinstance(user, User) or not user.is_active:
        return frozenset()
    return frozenset(grant.role for grant in grants_of(user))


def scope_of(user: User | AnonymousUser, roles: Iterable[str] = ALL_ROLES) -> Scope:
    """The units `user` may see through grants of any of `roles`."""
    if not isinstance(user, User) or not user.is_active or user.region_id is None:
        return Scope(None, False, (), ())
    wanted = frozenset(roles)
    region_wide = False
    paths: list[str] = []
    exact: list[int] = []
    for grant in grants_of(user):
        if grant.role not in wanted or grant.region_id != user.region_id:
            continue
        if grant.role == Role.REGION_ADMIN:
            region_wide = True
        elif grant.unit is not None:
            if grant.include_subunits:
                paths.append(grant.unit.path)
            else:
                exact.append(grant.unit.pk)
    return Scope(user.region_id, region_wide, tuple(sorted(set(paths))), tuple(sorted(set(exact))))


def is_region_admin(user: User | AnonymousUser) -> bool:
    return Role.REGION_ADMIN in roles_of(user)


def require_region_admin(actor: User, region_id: int) -> None:
    """Refuse unless `actor` is the assessment office of this region."""
    if not is_region_admin(actor) or actor.region_id != region_id:
        raise ApplicationError(
            _("Only the region's assessment office may do this."),
            code=AccountErrorCode.NOT_REGION_OFFICE,
        )


def can_manage_roster(user: User | AnonymousUser) -> bool:
    return bool(roles_of(user) & ADMIN_ROLES)


def region_id_of(user: User) -> int:
    """The acting user's region; a user without one sees nothing (404)."""
    if user.region_id is None:
        raise Http404
    return user.region_id


def forget_grants(user: User) -> None:
    """Drop the user's cached grants (every process's) after they change."""
    forget_facts([user.pk])
