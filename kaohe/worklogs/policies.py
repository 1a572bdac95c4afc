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

    Reading never writes: every region has its row from its creation on (worklogs.signals
    makes it, and a migration made the older regions'), so that the office can edit it in
    系统设置, whose admin offers no "add"; without it the defaults are read, unsaved."""

    def build() -> WorklogPolicy:
        return WorklogPolicy.objects.filter(region_id=region_id).first() or WorklogPolicy(
            region_id=region_id
        )

    return region_cached("worklog-policy", region_id, build)
