"""Accounts and role grants in Django admin, for region administrators.

Grants go through accounts.services.role_grant so they are validated and
audited like any other write; region admins never see the superuser switches.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kaohe.accounts.models import Role, RoleGrant, User
from kaohe.accounts.services import role_grant, role_revoke
from kaohe.core.admin_base import RegionScopedAdmin, _admin_user


@admin.register(RoleGrant)
class RoleGrantAdmin(RegionScopedAdmin):
    list_display = ("user", "role", "unit", "include_subunits")
    list_filter = ("role",)
    search_fields = ("user__username", "unit__name")
    raw_id_fields = ("user", "unit")
    fields = ("user", "role", "unit", "include_subunits")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke and grant anew: a grant is a fact with a date

    def save_model(
        self, request: HttpRequest, obj: RoleGrant, form: ModelForm[Any], change: bool
    ) -> None:
        actor = _admin_user(request)
        if actor is None or (not actor.is_superuser and obj.user.region_id != actor.region_id):
            raise PermissionDenied
        grant = role_grant(
            actor=actor,
            user=obj.user,
            role=Role(obj.role),
            unit=obj.unit,
            include_subunits=obj.include_subunits,
        )
        obj.pk = grant.pk

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        assert isinstance(obj, RoleGrant)
        role_revoke(actor=_admin_user(request), grant=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleGrant]) -> None:
        for grant in queryset.select_related("user"):
            role_revoke(actor=_admin_user(request), grant=grant)


class PasswordSetByAdminForm(AdminPasswordChangeForm):  # type: ignore[type-arg]
    """A password an administrator typed is known to them: the holder must replace it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "usable_password" in self.fields:
            # Django builds this help text by joining English HTML to a translated part,
            # so no catalogue translates its warning.
            self.fields["usable_password"].help_text = _(
                "Whether the user can sign in with a password. If disabled, the current "
                "password for this user will be lost."
            )

    def save(self, commit: bool = True) -> Any:
        self.user.must_change_password = True
        return super().save(commit=commit)


@admin.register(User)
class KaoheUserAdmin(RegionScopedAdmin, UserAdmin):  # type: ignore[type-arg]
    change_password_form = PasswordSetByAdminForm
    list_display = ("username", "first_name", "person", "is_active", "last_login")
    search_fields = ("username", "first_name", "person__name", "person__staff_no")
    raw_id_fields = ("person",)
    list_select_related = ("person",)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        user = _admin_user(request)
        if obj is None:
            fields = ["username", "password1", "password2", "person"]
            return [(None, {"fields": fields + (["region"] if user and user.is_superuser else [])})]
        fields = ["username", "first_name", "person", "is_active", "password"]
        if user is not None and user.is_superuser:
            fields += ["region", "is_staff", "is_superuser"]
        return [(None, {"fields": fields})]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return ()

    def save_model(
        self, request: HttpRequest, obj: User, form: ModelForm[Any], change: bool
    ) -> None:
        actor = _admin_user(request)
        if actor is None:
            raise PermissionDenied
        person = obj.person
        if not actor.is_superuser and person is not None and person.region_id != actor.region_id:
            raise PermissionDenied
        if not change:
            obj.must_change_password = True  # the administrator chose this first password
        super().save_model(request, obj, form, change)
