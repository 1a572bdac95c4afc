"""The region's survey rules in the admin. Responses, answers and codes have no admin
page: nobody browses single respondents' rows."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kaohe.core.admin_base import RegionScopedAdmin
from kaohe.surveys.models import SurveyPolicy


@admin.register(SurveyPolicy)
class SurveyPolicyAdmin(RegionScopedAdmin):
    list_display = ("region", "min_responses", "device_limit", "min_seconds", "low_index")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # One row a region: the admin offers "add" only while the region has none.
        region_id = getattr(request.user, "region_id", None)
        if region_id is not None and SurveyPolicy.objects.filter(region_id=region_id).exists():
            return False
        return super().has_add_permission(request, *args)
