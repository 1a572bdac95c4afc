"""Writes to accounts and role grants; each is atomic and audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from kaohe.accounts.access import forget_grants
from kaohe.accounts.errors import AccountErrorCode
from kaohe.accounts.models import Role, RoleGrant, User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError

if TYPE_CHECKING:
    # A type only: org sits above accounts (docs/architecture.md, the layers).
    from kaohe.org.models import Unit


@transaction.atomic
def role_grant(
    *,
    actor: User | None,
    user: User,
    role: Role,
    unit: Unit | None = None,
    include_subunits: bool | None = None,
) -> RoleGrant:
    """Grant `role` over `unit`'s subtree (or the whole region, for region admins).

    Cadres see their own unit only unless told otherwise: a cadre of a
    supervising department has no business in its subordinate units' rosters.
    """
    if user.region_id is None:
        raise ApplicationError(
            _("The user has no region."), code=AccountErrorCode.USER_HAS_NO_REGION
        )
    if role == Role.REGION_ADMIN:
        if unit is not None:
            raise ApplicationError(
                _("A region administrator's grant covers the whole region."),
                code=AccountErrorCode.REGION_GRANT_OVER_UNIT,
            )
    elif unit is None:
        raise ApplicationError(
            _("This role must be granted over a unit."), code=AccountErrorCode.GRANT_NEEDS_UNIT
        )
    elif unit.region_id != user.region_id:
        raise ApplicationError(
            _("The unit belongs to another region."), code=AccountErrorCode.UNIT_OF_OTHER_REGION
        )
    if include_subunits is None:
        include_subunits = role != Role.CADRE
    grant, _created = RoleGrant.objects.update_or_create(
        user=user,
        role=role,
        unit=unit,
        defaults={"region_id": user.region_id, "include_subunits": include_subunits},
    )
    if role == Role.REGION_ADMIN and not user.is_staff:
        # Region administrators edit the configuration lists in Django admin.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    forget_grants(user)
    audit_record(
        actor=actor,
        action=AuditAction.ACCOUNTS_ROLE_GRANT,
        obj=user,
        region=user.region,
        details={"role": role, "unit": unit.pk if unit else None, "subtree": include_subunits},
    )
    return grant


@transaction.atomic
def role_revoke(*, actor: User | None, grant: RoleGrant) -> None:
    user = grant.user
    details = {"role": grant.role, "unit": grant.unit_id}
    grant.delete()
    if grant.role == Role.REGION_ADMIN and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    forget_grants(user)
    audit_record(
        actor=actor,
        action=AuditAction.ACCOUNTS_ROLE_REVOKE,
        obj=user,
        region=user.region,
        details=details,
    )


@transaction.atomic
def user_password_change(*, user: User, password: str) -> None:
    """The holder sets their own password (already validated); this lifts a forced change."""
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(
        actor=user, action=AuditAction.ACCOUNTS_PASSWORD_CHANGE, obj=user, region=user.region
    )
