"""The archive in the admin: read by the organization department, never edited there
(a frozen year changes only through a recorded correction, outcomes.services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kaohe.core.admin_base import RegionScopedAdmin
from kaohe.outcomes.models import OutcomesPolicy, YearRecord


@admin.register(YearRecord)
class YearRecordAdmin(RegionScopedAdmin):
    list_display = ("person", "year", "unit_name", "tier", "composite", "grade", "source")
    list_filter = ("year", "source")
    search_fields = ("person__name", "unit_name")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutcomesPolicy)
class OutcomesPolicyAdmin(RegionScopedAdmin):
    list_display = ("region", "promotion_top_share", "award_top_share", "task_due_days")
