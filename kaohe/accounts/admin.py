from __future__ import annotations

from django.contrib import admin

from kaohe.accounts.models import RoleGrant
from kaohe.core.admin_base import RegionScopedAdmin


@admin.register(RoleGrant)
class RoleGrantAdmin(RegionScopedAdmin):
    list_display = ("user", "role", "unit", "include_subunits")
    list_filter = ("role",)
    search_fields = ("user__username", "unit__name")
    raw_id_fields = ("user", "unit")
