from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kaohe.core.admin_base import RegionScopedAdmin
from kaohe.core.models import AuditEvent, WorkdayOverride


@admin.register(AuditEvent)
class AuditEventAdmin(RegionScopedAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ("created_at", "actor_name", "action", "object_repr")
    list_filter = ("action",)
    search_fields = ("actor_name", "object_repr", "action")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(RegionScopedAdmin):
    """Corrections to the official calendar, and holidays of years it does not know."""

    list_display = ("day", "is_workday", "note")
    list_filter = ("is_workday",)
    date_hierarchy = "day"
