"""The region's rules for the leadership teams' year (weights, bands, the 优秀 quota):
one row a region, validated on save (the five weights add up to 100)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kaohe.core.admin_base import RegionScopedAdmin
from kaohe.teams.models import TeamPolicy


@admin.register(TeamPolicy)
class TeamPolicyAdmin(RegionScopedAdmin):
    list_display = (
        "region",
        "performance_weight",
        "democratic_weight",
        "leader_weight",
        "public_weight",
        "party_weight",
        "excellent_share",
    )

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        region_id = getattr(request.user, "region_id", None)
        if region_id is not None and TeamPolicy.objects.filter(region_id=region_id).exists():
            return False
        return super().has_add_permission(request, *args)
