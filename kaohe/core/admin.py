from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import Group

from kaohe.core.admin_base import RegionScopedAdmin
from kaohe.core.models import WorkdayOverride

# The audit log has its own page (/audit/: filters, Chinese labels for the actions); the
# admin's list showed the stored codes. Django's groups grant nothing here (access is by
# RoleGrant), and their page listed every permission in English.
admin.site.unregister(Group)


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(RegionScopedAdmin):
    """Corrections to the official calendar, and holidays of years it does not know."""

    list_display = ("day", "is_workday", "note")
    list_filter = ("is_workday",)
    date_hierarchy = "day"
