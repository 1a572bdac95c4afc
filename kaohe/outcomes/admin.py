"""The archive and the consequences in the admin: read by the organization department,
never edited there (a frozen year changes only through a recorded correction, a
consequence's outcome is recorded on its page; outcomes.services). A consequence's due
date alone may be moved here, audited like every admin write."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kaohe.core.admin_base import RegionScopedAdmin
from kaohe.outcomes.models import ConsequenceTask, OutcomesPolicy, YearRecord
from kaohe.outcomes.selectors import owner_label
from kaohe.scoring.explain import grade_label
from kaohe.scoring.selectors import tier_label


@admin.register(YearRecord)
class YearRecordAdmin(RegionScopedAdmin):
    # Grades and tiers by their labels, never their stored codes.
    list_display = (
        "person",
        "year",
        "unit_name",
        "tier_shown",
        "composite",
        "grade_shown",
        "source",
    )
    list_filter = ("year", "source")
    fields = (
        "person",
        "year",
        "source",
        "unit_name",
        "post",
        "tier_shown",
        "composite",
        "grade_shown",
        "rank_in_tier",
        "tier_size",
        "rank_in_unit",
        "unit_size",
        "quarter_grades_shown",
        "priority",
        "frozen_at",
    )
    readonly_fields = fields

    @admin.display(description=_("Rank tier"))
    def tier_shown(self, obj: YearRecord) -> str:
        return tier_label(obj.tier) if obj.tier else "—"

    @admin.display(description=_("Grade"))
    def grade_shown(self, obj: YearRecord) -> str:
        return grade_label(obj.grade)

    @admin.display(description=_("Quarter grades"))
    def quarter_grades_shown(self, obj: YearRecord) -> str:
        return "、".join(grade_label(g) for g in obj.quarter_grades) or "—"

    search_fields = ("person__name", "unit_name")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutcomesPolicy)
class OutcomesPolicyAdmin(RegionScopedAdmin):
    list_display = ("region", "promotion_top_share", "award_top_share", "task_due_days")


@admin.register(ConsequenceTask)
class ConsequenceTaskAdmin(RegionScopedAdmin):
    list_display = ("person", "year", "quarter", "kind", "owner_shown", "due_on", "state")
    list_filter = ("year", "kind", "state")
    list_select_related = ("person",)
    search_fields = ("person__name", "person__staff_no")
    fields = (
        "person",
        "year",
        "quarter",
        "kind",
        "citation",
        "unit_shown",
        "owner_shown",
        "issued_on",
        "due_on",
        "state",
        "done_on",
        "done_by_shown",
        "note",
    )
    # Everything but the due date: the outcome is recorded on the consequence's page
    # (its service checks who may), and the derivation owns the rest.
    readonly_fields = tuple(f for f in fields if f != "due_on")

    @admin.display(description=_("owner"))
    def owner_shown(self, obj: ConsequenceTask) -> str:
        return owner_label(obj.owner_role)

    # The two foreign keys the model leaves unnamed, under translated headings.
    @admin.display(description=_("unit"))
    def unit_shown(self, obj: ConsequenceTask) -> str:
        return obj.unit.name if obj.unit else "—"

    @admin.display(description=_("Recorded by"))
    def done_by_shown(self, obj: ConsequenceTask) -> str:
        return str(obj.done_by) if obj.done_by else "—"

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
