"""The region's unit-performance rules, read without writing (below selectors and
services)."""

from __future__ import annotations

from kaohe.performance.models import PerformancePolicy

# --- months (P1) ---


def months_policy(region_id: int) -> PerformancePolicy:
    """The region's PerformancePolicy, or its defaults unsaved (a GET writes nothing)."""
    return PerformancePolicy.objects.filter(region_id=region_id).first() or PerformancePolicy(
        region_id=region_id
    )
