from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kaohe.core.admin_base import RegionScopedAdmin
from kaohe.worklogs.models import WorklogPolicy


@admin.register(WorklogPolicy)
class WorklogPolicyAdmin(RegionScopedAdmin):
    """Length limits, the backfill window and deductions, one row per region."""

    list_display = ("region", "log_min_chars", "log_max_chars", "backfill_workdays")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # created with the region's defaults on first use

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
