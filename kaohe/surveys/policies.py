"""The region's rules for public surveys, read without writing."""

from __future__ import annotations

from kaohe.surveys.models import SurveyPolicy


def policy_for(region_id: int) -> SurveyPolicy:
    """The region's rules; the defaults, unsaved, where it has no row."""
    policy = SurveyPolicy.objects.filter(region_id=region_id).first()
    return policy if policy is not None else SurveyPolicy(region_id=region_id)
