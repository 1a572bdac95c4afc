"""The region's due-process figures (DueProcessPolicy), read by selectors and services
alike: a module below both (selectors never import services)."""

from __future__ import annotations

from kaohe.core.cache import forget, region_cached
from kaohe.dueprocess.models import DueProcessPolicy


def policy_forget(region_id: int) -> None:
    """Drop the region's cached figures in every process (called when they are saved)."""
    forget("dueprocess-policy", region_id)


def policy_for(region_id: int) -> DueProcessPolicy:
    """The region's figures, cached for every process. Reading never writes: without a
    saved row the defaults are read, unsaved (the admin saves the row)."""

    def build() -> DueProcessPolicy:
        return DueProcessPolicy.objects.filter(region_id=region_id).first() or DueProcessPolicy(
            region_id=region_id
        )

    return region_cached("dueprocess-policy", region_id, build)
