"""The region's rules for the teams' year (TeamPolicy), read by selectors, services and
the pages alike: below all of them. Reading never writes: without a saved row the
defaults are read, unsaved (the admin saves the row; teams.signals forgets the cache)."""

from __future__ import annotations

from kaohe.core.cache import forget, region_cached
from kaohe.teams import rules
from kaohe.teams.models import TeamPolicy

TOPIC = "team-policy"


def policy_forget(region_id: int) -> None:
    forget(TOPIC, region_id)


def policy_for(region_id: int) -> TeamPolicy:
    def build() -> TeamPolicy:
        return TeamPolicy.objects.filter(region_id=region_id).first() or TeamPolicy(
            region_id=region_id
        )

    return region_cached(TOPIC, region_id, build)


def rules_policy(policy: TeamPolicy) -> rules.Policy:
    """The saved rules as the pure engine reads them."""
    return rules.Policy(
        weights={str(k): v for k, v in policy.weights().items()},
        excellent_from=policy.excellent_from,
        good_from=policy.good_from,
        fair_from=policy.fair_from,
        excellent_share=policy.excellent_share,
    )
