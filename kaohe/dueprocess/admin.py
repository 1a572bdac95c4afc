"""The region's due-process figures in the admin (the cases themselves are handled on
the pages, where every step is a recorded service)."""

from __future__ import annotations

from django.contrib import admin

from kaohe.core.admin_base import RegionScopedAdmin
from kaohe.dueprocess.models import DueProcessPolicy


@admin.register(DueProcessPolicy)
class DueProcessPolicyAdmin(RegionScopedAdmin):
    list_display = (
        "region",
        "publicity_workdays",
        "review_request_days",
        "appeal_request_days",
        "appeal_region",
    )
