"""The region's rules for the use of results (OutcomesPolicy), read by selectors and
services alike: a module below both (selectors never import services)."""

from __future__ import annotations

from kaohe.core.cache import forget, region_cached
from kaohe.outcomes.models import OutcomesPolicy
from kaohe.outcomes.rules import ListPolicy


def policy_forget(region_id: int) -> None:
    """Drop the region's cached rules in every process (called when they are saved)."""
    forget("outcomes-policy", region_id)


def policy_for(region_id: int) -> OutcomesPolicy:
    """The region's rules, cached for every process. Reading never writes: without a
    saved row the defaults are read, unsaved (the admin saves the row)."""

    def build() -> OutcomesPolicy:
        return OutcomesPolicy.objects.filter(region_id=region_id).first() or OutcomesPolicy(
            region_id=region_id
        )

    return region_cached("outcomes-policy", region_id, build)


def list_policy(policy: OutcomesPolicy) -> ListPolicy:
    """The rules module's figures from the region's saved (or default) policy."""
    return ListPolicy(
        promotion_top_share=policy.promotion_top_share,
        promotion_excellent_years=policy.promotion_excellent_years,
        award_top_share=policy.award_top_share,
        merit_excellent_years=policy.merit_excellent_years,
        tenure_cut_months=policy.tenure_cut_months,
        pay_step_years=policy.pay_step_years,
        pay_level_years=policy.pay_level_years,
        prospect_good_quarters=policy.prospect_good_quarters,
        bonus_cut_percent=policy.bonus_cut_percent,
    )
