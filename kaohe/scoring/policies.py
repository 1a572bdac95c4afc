"""The region's scoring settings and the grading rules built on them, read by the
selectors (pages) and the services (writes) alike: a module below both, so selectors
never import services.

Reading never writes: a region whose ScoringPolicy row is missing reads the model's
defaults, unsaved. The row is created by the services that compute a run
(`services.quarter_compute`, `annual_compute`), which every page showing grades
follows, so the office finds it in 系统设置 (whose admin offers no "add")."""

from __future__ import annotations

from kaohe.accounts.access import ADMIN_ROLES
from kaohe.accounts.models import Role
from kaohe.core.cache import forget, region_cached
from kaohe.scoring import engine
from kaohe.scoring.models import QuarterResult, ScoringPolicy

# Versioned: the file cache outlives a deploy; bump when a cached value changes shape.
POLICY = "scoring-policy.v1"

GRADE_RANK = {g.value: i for i, g in enumerate(engine.QUARTER_ORDER)}
PROPOSER_ROLES = {Role.UNIT_HEAD, *ADMIN_ROLES}


def policy_for(region_id: int) -> ScoringPolicy:
    """The region's policy as stored now (the services: a run computes with exactly
    this), or the defaults when the region has no row yet."""
    return ScoringPolicy.objects.filter(region_id=region_id).first() or ScoringPolicy(
        region_id=region_id
    )


def scoring_policy(region_id: int) -> ScoringPolicy:
    """The region's scoring policy for pages (the proposal page's places for 好), from
    the shared cache. Edited only in the admin, whose saves and deletes forget it
    (scoring.signals → `policy_forget`)."""
    return region_cached(POLICY, region_id, lambda: policy_for(region_id))


def policy_forget(region_id: int) -> None:
    forget(POLICY, region_id)


def allowed_grades(result: QuarterResult, places_left: int) -> list[str]:
    """The grades a unit head may give this row, highest first: the one rule that both
    the proposal page offers and `quarter_propose` enforces, so they never disagree.

    Never above the score's band under the region's rule (stored in `band`: by rank,
    好 for any score above the floors), nor 好 for a row a veto bars; 好 only while
    the row's pool has a place left, or for a row that holds 好 already; any lower
    grade (a change needs a reason). Empty for a row without a grade (probation)."""
    if not result.computed_grade or result.band not in GRADE_RANK:
        return []
    top = GRADE_RANK[result.band]
    good = engine.QuarterGrade.GOOD.value
    if top == 0 and any(step.get("code") == engine.StepCode.VETO for step in result.steps):
        top = 1
    grades = [g.value for g in engine.QUARTER_ORDER[top:]]
    if grades[0] == good and result.grade != good and places_left <= 0:
        grades = grades[1:]
    return grades
