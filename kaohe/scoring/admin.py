"""Scoring inputs the office enters in 系统设置: policy, unit results, veto/affirmation flags."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from kaohe.core.admin_base import RegionScopedAdmin, _admin_user
from kaohe.scoring.models import PersonYearFlag, ScoringPolicy, UnitAnnualScore


@admin.register(ScoringPolicy)
class ScoringPolicyAdmin(RegionScopedAdmin):
    list_display = (
        "region",
        "good_share",
        "excellent_share",
        "evaluation_weight",
        "indicator_weight",
    )

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # created with the defaults on first use


@admin.register(UnitAnnualScore)
class UnitAnnualScoreAdmin(RegionScopedAdmin):
    """The unit's annual comprehensive result, until unit performance is assessed in kaohe."""

    region_field = "unit__region"
    list_display = ("unit", "year", "score")
    list_filter = ("year",)
    raw_id_fields = ("unit",)

    def save_model(
        self, request: HttpRequest, obj: UnitAnnualScore, form: Any, change: bool
    ) -> None:
        _same_region(request, obj.unit.region_id)
        super().save_model(request, obj, form, change)


@admin.register(PersonYearFlag)
class PersonYearFlagAdmin(RegionScopedAdmin):
    """Veto, affirmation, investigation and other bars, each with its reason (R5.8, R5.11)."""

    region_field = "person__region"
    list_display = ("person", "year", "kind", "reason", "created_at")
    list_filter = ("year", "kind")
    raw_id_fields = ("person",)
    exclude = ("actor",)

    def save_model(
        self, request: HttpRequest, obj: PersonYearFlag, form: Any, change: bool
    ) -> None:
        _same_region(request, obj.person.region_id)
        obj.actor = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


def _same_region(request: HttpRequest, region_id: int) -> None:
    """Raw-id fields accept any id: refuse rows of another region."""
    user = _admin_user(request)
    if user is None or (not user.is_superuser and user.region_id != region_id):
        raise PermissionDenied
