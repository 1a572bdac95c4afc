"""The region's work-record rules (WorklogPolicy), read by selectors, compliance and the
services alike: a module below all three, so none of them imports another for its
settings (selectors never import services)."""

from __future__ import annotations

from kaohe.core.cache import forget, region_cached
from kaohe.worklogs.models import WorklogPolicy


def policy_forget(region_id: int) -> None:
    """Drop the region's cached rules in every process (called when they are saved)."""
    forget("worklog-policy", region_id)


def policy_for(region_id: int) -> WorklogPolicy:
    """The region's rules, cached for every process: every submission reads them. Saving
    the policy forgets them (worklogs.signals).

    The first use creates the region's row with the defaults: the admin offers no "add"
    for the rules (one row per region), so the row must exist for the office to edit it."""

    def build() -> WorklogPolicy:
        policy, _created = WorklogPolicy.objects.get_or_create(region_id=region_id)
        return policy

    return region_cached("worklog-policy", region_id, build)
