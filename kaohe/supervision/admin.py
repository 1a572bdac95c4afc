"""The region's supervision groups (members, units covered) and the ledger's rules, in
the admin; every edit audited by RegionScopedAdmin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kaohe.core.admin_base import RegionScopedAdmin
from kaohe.supervision.models import SupervisionGroup, SupervisionPolicy


@admin.register(SupervisionGroup)
class SupervisionGroupAdmin(RegionScopedAdmin):
    list_display = ("name", "region", "active")
    list_filter = ("active",)
    search_fields = ("name",)


@admin.register(SupervisionPolicy)
class SupervisionPolicyAdmin(RegionScopedAdmin):
    list_display = ("region", "general_days", "serious_days", "monthly_cap")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # One row a region: the admin offers "add" only while the region has none.
        region_id = getattr(request.user, "region_id", None)
        if region_id is not None and SupervisionPolicy.objects.filter(region_id=region_id).exists():
            return False
        return super().has_add_permission(request, *args)
