"""The region's rules for discipline and leave (ConductPolicy), read by selectors,
services and scoring's inputs alike: a module below all of them (selectors never
import services)."""

from __future__ import annotations

from kaohe.conduct.models import ConductPolicy
from kaohe.core.cache import forget, region_cached


def policy_forget(region_id: int) -> None:
    """Drop the region's cached rules in every process (called when they are saved)."""
    forget("conduct-policy", region_id)


def policy_for(region_id: int) -> ConductPolicy:
    """The region's rules, cached for every process: every year's compute reads them.
    Reading never writes: without a saved row the defaults are read, unsaved (the
    admin saves the row; conduct.signals forgets the cache when it does)."""

    def build() -> ConductPolicy:
        return ConductPolicy.objects.filter(region_id=region_id).first() or ConductPolicy(
            region_id=region_id
        )

    return region_cached("conduct-policy", region_id, build)
