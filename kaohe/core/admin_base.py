"""Django admin for region administrators: scoped to their region, every write audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, Field, IntegerField, Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from kaohe.accounts.access import is_region_admin
from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.numbers import limit_validators


def _admin_user(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) else None


class BoundedChangeList(ChangeList):
    """Django's change list, with a date-hierarchy year past 9999 refused like other bad lookups.

    Django turns a bad `day__year` into IncorrectLookupParameters (the list again,
    with `?e=1`) only for ValueError; a year or month past the calendar's end raises
    OverflowError, a server error.
    """

    def get_filters(self, request: HttpRequest) -> Any:
        try:
            return super().get_filters(request)
        except OverflowError as exc:
            raise IncorrectLookupParameters(exc) from exc


class RegionScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Shows a region administrator only their region's rows; superusers see all.

    `region_field` is the lookup from the model to its region.
    """

    region_field = "region"

    def _allowed(self, request: HttpRequest) -> bool:
        user = _admin_user(request)
        return user is not None and (user.is_superuser or is_region_admin(user))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def formfield_for_dbfield(
        self, db_field: Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        # A number the column cannot hold is refused in the form, on SQLite too (whose
        # integer columns hold any 64-bit value, so Django's own limits are PostgreSQL's
        # only there): a value saved on one database must load on the other.
        if formfield is not None and isinstance(db_field, (IntegerField, DecimalField)):
            formfield.validators.extend(limit_validators(db_field))
        return formfield

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return BoundedChangeList

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        user = _admin_user(request)
        if user is None or user.is_superuser:
            return qs
        return qs.filter(**{f"{self.region_field}_id": user.region_id})

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        user = _admin_user(request)
        if user is not None and not user.is_superuser and self.region_field == "region":
            return ("region",)
        return super().get_exclude(request, obj)

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        user = _admin_user(request)
        if user is not None and not user.is_superuser:
            if not change and self.region_field == "region":
                obj.region_id = user.region_id
            # Select and raw-id fields accept rows of any region: a row must belong to
            # the administrator's region through `region_field`, whatever its path.
            if self._region_id_of(obj) != user.region_id:
                raise PermissionDenied
        super().save_model(request, obj, form, change)
        audit_record(
            actor=user,
            action=f"admin.{obj._meta.model_name}.{'change' if change else 'add'}",
            obj=obj,
            region=user.region if user else None,
            details={"fields": list(form.changed_data)},
        )

    def _region_id_of(self, obj: Any) -> int | None:
        """The region of `obj` through `region_field` ("region", "unit__region" …)."""
        *path, _region = self.region_field.split("__")
        for name in path:
            obj = getattr(obj, name)
        region_id: int | None = obj.region_id
        return region_id

    def _audit_delete(self, request: HttpRequest, obj: Model) -> None:
        user = _admin_user(request)
        audit_record(
            actor=user,
            action=f"admin.{obj._meta.model_name}.delete",
            obj=obj,
            region=user.region if user else None,
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        self._audit_delete(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self._audit_delete(request, obj)
        super().delete_queryset(request, queryset)
