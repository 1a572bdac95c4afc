"""The region's unit-performance rules, read without writing: a missing row reads as
the model's defaults, unsaved (docs/architecture.md, settings readers)."""

from __future__ import annotations

from decimal import Decimal

from kaohe.performance.models import PerformancePolicy

# --- year (P2) ---


def year_weights(region_id: int) -> tuple[Decimal, Decimal]:
    """The weights (percent) of the months' average and of the year-end evaluation."""
    policy = PerformancePolicy.objects.filter(region_id=region_id).first()
    if policy is None:
        policy = PerformancePolicy(region_id=region_id)
    return Decimal(policy.months_weight), Decimal(policy.year_end_weight)
