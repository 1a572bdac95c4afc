"""The region's unit-performance rules, read without writing (below selectors and
services)."""

from __future__ import annotations

from decimal import Decimal

from kaohe.performance.models import PerformancePolicy


def policy_for(region_id: int) -> PerformancePolicy:
    """The region's PerformancePolicy, or its defaults unsaved (a GET writes nothing)."""
    return PerformancePolicy.objects.filter(region_id=region_id).first() or PerformancePolicy(
        region_id=region_id
    )


def year_weights(region_id: int) -> tuple[Decimal, Decimal]:
    """The weights (percent) of the months' average and of the year-end evaluation."""
    policy = policy_for(region_id)
    return Decimal(policy.months_weight), Decimal(policy.year_end_weight)
