"""Unit performance in the admin (系统设置)."""

from __future__ import annotations

from django.contrib import admin

from kaohe.core.admin_base import RegionScopedAdmin
from kaohe.performance.models import IndicatorAssignment

# --- months (P1) ---


@admin.register(IndicatorAssignment)
class IndicatorAssignmentAdmin(RegionScopedAdmin):
    """Indicators assigned from above to lead units with their targets (seed 002)."""

    list_display = ("indicator", "lead_unit", "year", "target")
    list_filter = ("year",)
    search_fields = ("indicator__name", "lead_unit__name", "target")
    raw_id_fields = ("indicator", "lead_unit")
