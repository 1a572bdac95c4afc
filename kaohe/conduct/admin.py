"""Discipline and absence records in the admin (the office may correct one there, every
edit audited by RegionScopedAdmin), and the region's rules for them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kaohe.conduct.models import AbsenceRecord, ConductPolicy, DisciplineRecord
from kaohe.core.admin_base import RegionScopedAdmin


@admin.register(DisciplineRecord)
class DisciplineRecordAdmin(RegionScopedAdmin):
    list_display = ("person", "kind", "start", "end", "document")
    list_filter = ("kind",)
    search_fields = ("person__name", "person__staff_no", "document")
    raw_id_fields = ("person",)
    readonly_fields = ("actor", "created_at")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if obj.person_id is not None:
            obj.region_id = obj.person.region_id  # the person's region, whoever edits
        super().save_model(request, obj, form, change)


@admin.register(AbsenceRecord)
class AbsenceRecordAdmin(RegionScopedAdmin):
    list_display = ("person", "kind", "start", "end", "days", "times")
    list_filter = ("kind",)
    search_fields = ("person__name", "person__staff_no")
    raw_id_fields = ("person",)
    readonly_fields = ("actor", "created_at")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if obj.person_id is not None:
            obj.region_id = obj.person.region_id
        super().save_model(request, obj, form, change)


@admin.register(ConductPolicy)
class ConductPolicyAdmin(RegionScopedAdmin):
    list_display = ("region", "leave_days_limit", "leave_effect", "party_warning_effect")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # One row a region: the admin offers "add" only while the region has none.
        region_id = getattr(request.user, "region_id", None)
        if region_id is not None and ConductPolicy.objects.filter(region_id=region_id).exists():
            return False
        return super().has_add_permission(request, *args)
