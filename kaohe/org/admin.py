"""Configuration lists and units for region administrators (Django admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from kaohe.core.admin_base import RegionScopedAdmin, _admin_user
from kaohe.org import services
from kaohe.org.models import (
    Leave,
    PerformanceCategory,
    PersonnelCategory,
    PilotUnitYear,
    QuotaPool,
    QuotaPoolMember,
    RankLevel,
    Unit,
)
from kaohe.org.selectors import unit_counts_forget


class ForgetsUnitCounts(RegionScopedAdmin):
    """Edits here bypass the services: drop the region's cached head counts as they do."""

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        unit_counts_forget(obj.region_id)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        unit_counts_forget(obj.region_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        regions = set(queryset.values_list("region_id", flat=True))
        super().delete_queryset(request, queryset)
        for region_id in regions:
            unit_counts_forget(region_id)


@admin.register(PerformanceCategory)
class PerformanceCategoryAdmin(RegionScopedAdmin):
    list_display = ("name", "sort_order")
    ordering = ("sort_order",)


@admin.register(RankLevel)
class RankLevelAdmin(RegionScopedAdmin):
    list_display = ("name", "tier", "sort_order")
    list_filter = ("tier",)
    ordering = ("sort_order",)


@admin.register(PersonnelCategory)
class PersonnelCategoryAdmin(RegionScopedAdmin):
    list_display = ("name", "sort_order")
    ordering = ("sort_order",)


@admin.register(Unit)
class UnitAdmin(ForgetsUnitCounts):
    list_display = ("name", "code", "unit_type", "unit_kind", "performance_category", "is_active")
    list_filter = ("unit_type", "unit_kind", "performance_category", "is_active")
    search_fields = ("name", "code")
    fields = (
        "parent",
        "name",
        "code",
        "unit_type",
        "unit_kind",
        "performance_category",
        "sort_order",
        "is_active",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Moving a unit rewrites its subtree's paths and pools: not an admin-form edit.
        return ("parent",) if obj is not None else ()

    def save_model(
        self, request: HttpRequest, obj: Unit, form: ModelForm[Any], change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)  # active or not: forgets the counts
            return
        user = _admin_user(request)
        region = obj.parent.region if obj.parent else (user.region if user else None)
        assert region is not None
        created = services.unit_create(
            actor=user,
            region=region,
            parent=obj.parent,
            name=obj.name,
            code=obj.code,
            unit_type=obj.unit_type,  # type: ignore[arg-type]
            unit_kind=obj.unit_kind,  # type: ignore[arg-type]
            performance_category=obj.performance_category,
            sort_order=obj.sort_order,
        )
        obj.pk = created.pk


class QuotaPoolMemberInline(admin.TabularInline):  # type: ignore[type-arg]
    model = QuotaPoolMember
    extra = 0
    readonly_fields = ("unit", "year")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(QuotaPool)
class QuotaPoolAdmin(ForgetsUnitCounts):
    list_display = ("name", "year", "kind", "lead_unit")
    list_filter = ("year", "kind")
    inlines = [QuotaPoolMemberInline]
    readonly_fields = ("kind", "year", "lead_unit")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # Pools are formed by services.quota_pool_create, which keeps one pool per unit.
        return False


@admin.register(PilotUnitYear)
class PilotUnitYearAdmin(RegionScopedAdmin):
    region_field = "unit__region"
    list_display = ("unit", "year")
    list_filter = ("year",)


@admin.register(Leave)
class LeaveAdmin(RegionScopedAdmin):
    """Recorded leave: days on leave owe no work log."""

    list_display = ("person", "start", "end", "reason")
    search_fields = ("person__name", "person__staff_no")
    raw_id_fields = ("person",)
