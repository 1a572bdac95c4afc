"""Scoring inputs the office enters in 系统设置: policy, veto/affirmation flags."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kaohe.core.admin_base import RegionScopedAdmin
from kaohe.scoring.models import PersonYearFlag, ScoringPolicy


@admin.register(ScoringPolicy)
class ScoringPolicyAdmin(RegionScopedAdmin):
    list_display = (
        "region",
        "grading",
        "good_share",
        "excellent_share",
        "evaluation_weight",
        "indicator_weight",
    )

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # created with the defaults on first use


class PersonYearFlagForm(forms.ModelForm):  # type: ignore[type-arg]
    """The same reason rule as services.flag_record: it is shown in the explanation."""

    class Meta:
        model = PersonYearFlag
        fields = ("person", "year", "kind", "reason")

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data["reason"]).strip()
        if len(reason) < 4:
            raise ValidationError(_("Write the reason; it is shown in the explanation."))
        return reason


@admin.register(PersonYearFlag)
class PersonYearFlagAdmin(RegionScopedAdmin):
    """Veto, affirmation, investigation and other bars, each with its reason (R5.8, R5.11)."""

    region_field = "person__region"
    list_display = ("person", "year", "kind", "reason", "created_at")
    list_filter = ("year", "kind")
    raw_id_fields = ("person",)
    form = PersonYearFlagForm

    def save_model(
        self, request: HttpRequest, obj: PersonYearFlag, form: Any, change: bool
    ) -> None:
        obj.actor = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
