"""Users and the role grants that scope what they may see (DESIGN: access control)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    region = models.ForeignKey(
        "org.Region", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("region")
    )
    person = models.OneToOneField(
        "org.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
        verbose_name=_("person"),
    )
    # Set on accounts whose password someone else chose (an administrator, an import):
    # the holder must choose their own before anything else (accounts.middleware).
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Role(models.TextChoices):
    REGION_ADMIN = "region_admin", _("Region administrator")
    UNIT_ADMIN = "unit_admin", _("Unit administrator")
    UNIT_HEAD = "unit_head", _("Unit head")
    TEAM_MEMBER = "team_member", _("Leadership team member")
    CADRE = "cadre", _("Cadre")
    SUPERVISOR = "supervisor", _("Supervisor")


class RoleGrant(models.Model):
    """`user` holds `role` over `unit` and, when `include_subunits`, its whole subtree.

    A region administrator's grant has no unit: it covers the whole region.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_grants",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey("org.Region", on_delete=models.CASCADE, verbose_name=_("region"))
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("unit")
    )
    include_subunits = models.BooleanField(_("include subordinate units"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="uniq_role_grant"),
            models.CheckConstraint(
                condition=Q(role="region_admin", unit__isnull=True)
                | (~Q(role="region_admin") & Q(unit__isnull=False)),
                name="role_grant_unit_matches_role",
            ),
        ]

    def __str__(self) -> str:
        # Read in the audit log and the admin: names, not ids and codes.
        where = self.unit if self.unit_id else self.region
        return f"{self.user.get_username()} · {self.get_role_display()} · {where}"
