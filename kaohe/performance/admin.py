"""Unit performance in the admin (系统设置)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kaohe.core.admin_base import RegionScopedAdmin
from kaohe.performance import rules
from kaohe.performance.models import IndicatorAssignment, PerformancePolicy


@admin.register(IndicatorAssignment)
class IndicatorAssignmentAdmin(RegionScopedAdmin):
    """Indicators assigned from above to lead units with their targets (seed 002)."""

    list_display = ("indicator", "lead_unit", "year", "target")
    list_filter = ("year",)
    search_fields = ("indicator__name", "lead_unit__name", "target")
    raw_id_fields = ("indicator", "lead_unit")


class PerformancePolicyForm(forms.ModelForm):  # type: ignore[type-arg]
    """The year's two weights add up to 100 (rules.weights_valid), as the roll-up needs."""

    class Meta:
        model = PerformancePolicy
        fields = ("region", "months_weight", "year_end_weight", "reward_places", "public_points")

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        months, year_end = data.get("months_weight"), data.get("year_end_weight")
        if (
            months is not None
            and year_end is not None
            and not rules.weights_valid(months, year_end)
        ):
            raise ValidationError(
                _(
                    "The weight of the months' average and that of the year-end evaluation "
                    "must add up to 100 (now %(total)s)."
                )
                % {"total": f"{(months + year_end).normalize():f}"}
            )
        return data


@admin.register(PerformancePolicy)
class PerformancePolicyAdmin(RegionScopedAdmin):
    form = PerformancePolicyForm
    list_display = ("region", "months_weight", "year_end_weight", "reward_places", "public_points")
