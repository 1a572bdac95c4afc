"""Django admin for region administrators: scoped to their region, every write audited.

One mechanism, in `RegionScoping`, keeps a region administrator inside their region:
every foreign-key and many-to-many choice a form offers (selects, raw-id fields,
inlines) and every related-field list filter holds only rows of their region, and
every object saved from a form or an inline has all its foreign keys checked again
before anything is written. A new model admin or inline gets it by inheriting
`RegionScopedAdmin`; inlines of a `RegionScopedAdmin` are scoped even when they do not.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import admin
from django.contrib.admin.filters import RelatedFieldListFilter
from django.contrib.admin.options import BaseModelAdmin, IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import (
    DecimalField,
    Field,
    ForeignKey,
    IntegerField,
    ManyToManyField,
    Model,
    Q,
    QuerySet,
)
from django.db.models.fields.related import RelatedField
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest

from kaohe.accounts.access import is_region_admin
from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import admin_action
from kaohe.core.numbers import limit_validators
from kaohe.org.models import Region

# How far `region_lookup` follows foreign keys (PersonYearFlag → Person → Region is 2).
_LOOKUP_DEPTH = 3


def _admin_user(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) else None


def restricted_region(request: HttpRequest) -> int | None:
    """The region the acting user is confined to; None for a superuser, who sees all."""
    user = _admin_user(request)
    if user is not None and user.is_superuser:
        return None
    if user is None or user.region_id is None:
        raise PermissionDenied  # an admin page with no region to confine it to
    return user.region_id


@functools.cache
def region_lookup(model: type[Model]) -> str | None:
    """The lookup from `model` to its region's id ("region_id", "person__region_id"),
    found by following foreign keys, nearest first; None when no path reaches a region."""
    if model is Region:
        return "pk"
    level: list[tuple[type[Model], str]] = [(model, "")]
    for _depth in range(_LOOKUP_DEPTH):
        deeper: list[tuple[type[Model], str]] = []
        for current, prefix in level:
            for field in current._meta.concrete_fields:
                related = field.related_model
                if not (field.many_to_one or field.one_to_one) or not isinstance(related, type):
                    continue
                if related is Region:
                    return f"{prefix}{field.name}_id"
                deeper.append((related, f"{prefix}{field.name}__"))
        level = deeper
    return None


def region_filter(model: type[Model], region_id: int) -> Q:
    """Rows of `model` in the region; none at all for a model no region reaches, so
    that a choice of an unknown kind is refused rather than offered from every region."""
    lookup = region_lookup(model)
    return Q(**{lookup: region_id}) if lookup else Q(pk__in=[])


def in_region(queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
    region_id = restricted_region(request)
    if region_id is None:
        return queryset
    return queryset.filter(region_filter(queryset.model, region_id))


def foreign_keys_outside(obj: Model, region_id: int) -> list[str]:
    """Names of the foreign keys of `obj` that point outside the region."""
    outside = []
    for field in obj._meta.concrete_fields:
        related = field.related_model
        if not (field.many_to_one or field.one_to_one) or not isinstance(related, type):
            continue
        value = getattr(obj, field.attname)
        if value is None:
            continue
        target = field.target_field.attname  # type: ignore[attr-defined]
        rows = related._default_manager.filter(**{target: value})
        if not rows.filter(region_filter(related, region_id)).exists():
            outside.append(field.name)
    return outside


class RegionScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id input that names the chosen row only when it is one of the field's
    choices: `?person=<id>` in the address must not show another region's name."""

    def __init__(self, *args: Any, queryset: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queryset = queryset

    def label_and_url_for_value(self, value: Any) -> tuple[str, str]:
        key = self.rel.get_related_field().name
        try:
            offered = self.queryset.filter(**{key: value}).exists()
        except (ValueError, TypeError, ValidationError):
            offered = False
        if not offered:
            return "", ""
        label, url = super().label_and_url_for_value(value)
        return str(label), str(url)


class RegionScopedRelatedFilter(RelatedFieldListFilter):
    """A changelist filter on a related field that lists the region's rows only."""

    def field_choices(
        self, field: RelatedField[Any, Any], request: HttpRequest, model_admin: Any
    ) -> Any:
        region_id = restricted_region(request)
        if region_id is None:
            return super().field_choices(field, request, model_admin)
        assert isinstance(field.related_model, type)
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False,
            ordering=ordering,
            limit_choices_to=region_filter(field.related_model, region_id),
        )


class RegionScoping(BaseModelAdmin):  # type: ignore[type-arg]
    """Form choices of a model admin or inline, limited to the acting user's region."""

    def _region_queryset(
        self,
        db_field: ForeignKey[Any, Any] | ManyToManyField[Any, Any],
        request: HttpRequest,
        kwargs: dict[str, Any],
    ) -> QuerySet[Any]:
        queryset = kwargs.get("queryset")
        if queryset is None:
            queryset = self.get_field_queryset(kwargs.get("using"), db_field, request)
        if queryset is None:
            model = db_field.remote_field.model
            queryset = model._default_manager.using(kwargs.get("using"))
        return in_region(queryset, request)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        kwargs["queryset"] = self._region_queryset(db_field, request, kwargs)
        if "widget" not in kwargs and db_field.name in self.raw_id_fields:
            kwargs["widget"] = RegionScopedRawIdWidget(
                db_field.remote_field,
                self.admin_site,
                using=kwargs.get("using"),
                queryset=kwargs["queryset"],
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        kwargs["queryset"] = self._region_queryset(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@functools.cache
def _scoped_inline(inline: type[Any]) -> type[Any]:
    if issubclass(inline, RegionScoping):
        return inline
    return type(inline.__name__, (RegionScoping, inline), {"__module__": inline.__module__})


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


class RegionScopedAdmin(RegionScoping, admin.ModelAdmin):  # type: ignore[type-arg]
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
        region_id = restricted_region(request)
        if region_id is None:
            return qs
        return qs.filter(**{f"{self.region_field}_id": region_id})

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        user = _admin_user(request)
        if user is not None and not user.is_superuser and self.region_field == "region":
            return ("region",)
        return super().get_exclude(request, obj)

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[type[Any]]:
        return [_scoped_inline(inline) for inline in super().get_inlines(request, obj)]

    def get_list_filter(self, request: HttpRequest) -> Any:
        return [self._scoped_filter(entry) for entry in super().get_list_filter(request)]

    def _scoped_filter(self, entry: Any) -> Any:
        name, filter_class = entry if isinstance(entry, tuple) else (entry, None)
        if not isinstance(name, str) or filter_class not in (None, RelatedFieldListFilter):
            return entry
        try:
            field = get_fields_from_path(self.model, name)[-1]
        except FieldDoesNotExist:
            return entry
        return (name, RegionScopedRelatedFilter) if field.is_relation else entry

    def save_form(self, request: HttpRequest, form: ModelForm[Any], change: bool) -> Any:
        obj = super().save_form(request, form, change)
        region_id = restricted_region(request)
        if region_id is not None:
            if not change and self.region_field == "region":
                obj.region_id = region_id
            # The form offers only the region's rows; this catches a field a form or a
            # subclass fills some other way, before anything is written.
            if foreign_keys_outside(obj, region_id):
                raise PermissionDenied
        return obj

    def save_formset(
        self, request: HttpRequest, form: ModelForm[Any], formset: BaseFormSet[Any], change: bool
    ) -> None:
        region_id = restricted_region(request)
        if region_id is not None:
            for inline_form in formset.forms:
                if inline_form.has_changed() and foreign_keys_outside(
                    inline_form.instance, region_id
                ):
                    raise PermissionDenied
        super().save_formset(request, form, formset, change)

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        user = _admin_user(request)
        super().save_model(request, obj, form, change)
        audit_record(
            actor=user,
            action=admin_action(obj, "change" if change else "add"),
            obj=obj,
            region=user.region if user else None,
            details={"fields": list(form.changed_data)},
        )

    def _audit_delete(self, request: HttpRequest, obj: Model) -> None:
        user = _admin_user(request)
        audit_record(
            actor=user,
            action=admin_action(obj, "delete"),
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
