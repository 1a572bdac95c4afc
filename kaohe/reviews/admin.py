"""Rater-group weights per unit type, and a round's rules while it is a draft."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kaohe.core.admin_base import RegionScopedAdmin
from kaohe.core.year_facts import year_facts_forget
from kaohe.reviews.models import RaterPlan, ReviewRound, RoundState


@admin.register(RaterPlan)
class RaterPlanAdmin(RegionScopedAdmin):
    list_display = ("unit_type", "leader_weight", "team_weight", "others_weight")


@admin.register(ReviewRound)
class ReviewRoundAdmin(RegionScopedAdmin):
    """Score range, the high-score share, trimming and suppression of a draft round.
    Rounds are created and moved through their states on the rounds page."""

    list_display = ("__str__", "state", "starts_on", "ends_on")
    list_filter = ("year", "state")
    fields = (
        "starts_on",
        "ends_on",
        "score_min",
        "score_max",
        "high_score",
        "high_share",
        "min_shown",
        "trim_above",
        "uniform_invalid",
    )

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        year_facts_forget(obj.region_id)  # the dates the year plan shows

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Once voting has started the rules must not change under the voters.
        if obj is not None and obj.state != RoundState.DRAFT:
            return self.fields
        return ()
